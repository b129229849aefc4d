import { useEffect, useRef, useState } from 'react';
import type { Onboarding, OnboardingResponse, SettingsResponse, TenantSettings } from '../../../api-types';
import { useSession } from '../../session-context';
import { ErrorAlert } from '../../ui/error-alert';
import { useKit } from '../../ui/kit-context';
import { Screen } from '../../ui/screen';
import { useLoad, type Loaded } from '../../use-load';
import { FinishStep, RecordingSwitch } from './finish';
import { MeetingTypesReview, RetentionReview, RolesReview } from './review-steps';
import { SettingsStep } from './settings-step';
import { nextStep, type WizardStep } from './steps';
import { StorageStep } from './storage-step';

export interface StepProps {
  onboarding: Onboarding;
  /** The server's new state after a step was saved; the wizard moves on. */
  onChanged: (next: Onboarding) => void;
}

/** Set-up for a new account: controller details, storage, meeting types, retention, roles, then recording. */
export function OnboardingScreen({ onCompleted }: { onCompleted: () => void }) {
  const { Button, Badge, Heading, Spinner, Alert } = useKit();
  const { call } = useSession();
  const loaded = useLoad(() => call<OnboardingResponse>('/api/admin/onboarding').then((r) => r.onboarding), [call]);
  const settings = useLoad(() => call<SettingsResponse>('/api/admin/settings').then((r) => r.settings), [call]);
  const [onboarding, setOnboarding] = useState<Onboarding | null>(null);
  const [current, setCurrent] = useState<WizardStep | null>(null);

  useEffect(() => {
    if (loaded.data && !onboarding) {
      setOnboarding(loaded.data);
      setCurrent(nextStep(loaded.data));
    }
  }, [loaded.data, onboarding]);

  const changed = (next: Onboarding) => {
    setOnboarding(next);
    setCurrent(nextStep(next, current ?? undefined));
    settings.reload();
  };

  // The step's heading takes focus when the admin moves to another step, as a new screen's title
  // does; the first step shown leaves focus on the screen's title.
  const firstStepShown = useRef(false);
  useEffect(() => {
    if (!current) return;
    if (firstStepShown.current) document.getElementById('wizard-step-title')?.focus();
    firstStepShown.current = true;
  }, [current]);

  const intro = 'Parley records nothing until set-up is finished and you turn recording on. Each step below says what customers will read or what Parley will do.';
  if (!onboarding || !current) {
    return (
      <Screen title="Set-up" intro={intro}>
        <ErrorAlert error={loaded.error} />
        {!loaded.error ? <Spinner label="Loading set-up…" /> : null}
      </Screen>
    );
  }

  const stepTitle = current === 'finish' ? 'Finish set-up' : onboarding.steps.find((s) => s.key === current)?.title ?? current;
  return (
    <Screen title="Set-up" intro={intro}>
      {onboarding.completedAt ? (
        <Alert tone="success" title="Set-up is finished" testId="onboarding-complete">
          {onboarding.recordingEnabledAt ? 'Recording is on for meeting types that record.' : 'Recording is off: nothing is recorded.'}
        </Alert>
      ) : null}
      <div className="console-wizard">
        <nav aria-label="Set-up steps" className="console-steps">
          <ol>
            {onboarding.steps.map((step) => (
              <li key={step.key} aria-current={step.key === current ? 'step' : undefined} data-testid={`step-${step.key}`} data-done={step.done}>
                <Button variant="subtle" onClick={() => setCurrent(step.key)}>
                  {step.title}
                </Button>{' '}
                <Badge tone={step.done ? 'success' : 'neutral'}>{step.done ? 'Done' : 'To do'}</Badge>
              </li>
            ))}
            <li aria-current={current === 'finish' ? 'step' : undefined}>
              <Button variant="subtle" onClick={() => setCurrent('finish')}>
                Finish set-up
              </Button>
            </li>
          </ol>
        </nav>
        <section className="console-step-panel" aria-labelledby="wizard-step-title" data-testid="wizard-step">
          <div id="wizard-step-title" tabIndex={-1}>
            <Heading level={2}>{stepTitle}</Heading>
          </div>
          <StepPanel step={current} onboarding={onboarding} onChanged={changed} settings={settings} onCompleted={onCompleted} />
        </section>
      </div>
      {onboarding.completedAt ? <RecordingSwitch onboarding={onboarding} onChanged={setOnboarding} /> : null}
    </Screen>
  );
}

function StepPanel({
  step,
  settings,
  onCompleted,
  ...props
}: StepProps & { step: WizardStep; settings: Loaded<TenantSettings>; onCompleted: () => void }) {
  switch (step) {
    case 'controller':
    case 'dpo':
    case 'privacy_policy':
      return <SettingsStep key={step} step={step} settings={settings} {...props} />;
    case 'storage':
      return <StorageStep {...props} />;
    case 'meeting_types':
      return <MeetingTypesReview {...props} />;
    case 'retention':
      return <RetentionReview {...props} />;
    case 'roles':
      return <RolesReview {...props} />;
    case 'finish':
      return <FinishStep {...props} onCompleted={onCompleted} />;
    default: {
      const _never: never = step;
      return _never;
    }
  }
}
