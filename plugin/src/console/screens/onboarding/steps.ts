import type { Onboarding, OnboardingStepKey } from '../../../api-types';

export type WizardStep = OnboardingStepKey | 'finish';

/** The first step still to do after `after` (wrapping round to the start), or the end. */
export function nextStep(onboarding: Onboarding, after?: WizardStep): WizardStep {
  const keys = onboarding.steps.map((step) => step.key);
  const start = after && after !== 'finish' ? keys.indexOf(after) + 1 : 0;
  const open = [...onboarding.steps.slice(start), ...onboarding.steps.slice(0, start)].find((step) => !step.done);
  return open?.key ?? 'finish';
}
