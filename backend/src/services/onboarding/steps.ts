import type { tenants } from '../../db/schema/index.js';

/** The set-up wizard's steps, in the order the console shows them. */
export const onboardingStepKeys = ['controller', 'dpo', 'privacy_policy', 'storage', 'meeting_types', 'retention', 'roles'] as const;
export type OnboardingStepKey = (typeof onboardingStepKeys)[number];

/** Steps with nothing to fill in: done once an admin has looked at the defaults and accepted them. */
export const reviewStepKeys = ['storage', 'meeting_types', 'retention', 'roles'] as const satisfies readonly OnboardingStepKey[];
export type ReviewStepKey = (typeof reviewStepKeys)[number];

export function isReviewStep(key: OnboardingStepKey): key is ReviewStepKey {
  return (reviewStepKeys as readonly string[]).includes(key);
}

const titles: Record<OnboardingStepKey, string> = {
  controller: 'Controller name and contact',
  dpo: 'Data protection officer contact',
  privacy_policy: 'Privacy policy link',
  storage: 'Where recordings are stored',
  meeting_types: 'Meeting types and what they record',
  retention: 'How long recordings and call data are kept',
  roles: 'Who may do what',
};

type TenantRow = Pick<
  typeof tenants.$inferSelect,
  'controllerName' | 'controllerContact' | 'dpoContact' | 'privacyPolicyUrl' | 'onboardingReviewed' | 'onboardedAt' | 'recordingEnabledAt'
>;

const filled = (value: string | null) => value !== null && value.trim() !== '';

/**
 * The three settings steps are what the privacy notice must say (GDPR Art. 13(1)(a), (b) and the
 * policy it points to), so they are done only when PUT /api/admin/settings has filled them.
 */
function stepDone(tenant: TenantRow, key: OnboardingStepKey): boolean {
  switch (key) {
    case 'controller':
      return filled(tenant.controllerName) && filled(tenant.controllerContact);
    case 'dpo':
      return filled(tenant.dpoContact);
    case 'privacy_policy':
      return filled(tenant.privacyPolicyUrl);
    default:
      return tenant.onboardingReviewed.includes(key);
  }
}

export function missingSteps(tenant: TenantRow): OnboardingStepKey[] {
  return onboardingStepKeys.filter((key) => !stepDone(tenant, key));
}

/** What GET /api/admin/onboarding and every onboarding change answer. */
export function onboardingView(tenant: TenantRow) {
  return {
    completedAt: tenant.onboardedAt?.toISOString() ?? null,
    recordingEnabledAt: tenant.recordingEnabledAt?.toISOString() ?? null,
    steps: onboardingStepKeys.map((key) => ({
      key,
      done: stepDone(tenant, key),
      title: titles[key],
      /** How the step gets done: by filling the settings, or by marking it reviewed. */
      kind: isReviewStep(key) ? ('review' as const) : ('settings' as const),
    })),
  };
}
export type OnboardingView = ReturnType<typeof onboardingView>;
