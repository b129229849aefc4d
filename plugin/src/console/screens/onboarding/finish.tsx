import { useState } from 'react';
import type { Onboarding, OnboardingResponse } from '../../../api-types';
import { formatDateTime } from '../../format';
import { useSession } from '../../session-context';
import { ErrorAlert } from '../../ui/error-alert';
import { useKit } from '../../ui/kit-context';
import { Section } from '../../ui/screen';
import { useMeetingTypes, type ConsoleMeetingType } from '../meeting-types/data';
import type { StepProps } from './onboarding';

/** "Advice call is always recorded; Consultation is recorded only when the customer agrees." */
export function whatRecordingMeans(types: readonly Pick<ConsoleMeetingType, 'name' | 'recordingPolicy'>[]): string {
  const always = types.filter((t) => t.recordingPolicy === 'required').map((t) => t.name);
  const ifAgreed = types.filter((t) => t.recordingPolicy === 'optional').map((t) => t.name);
  const parts = [
    ...(always.length ? [`${always.join(', ')} ${always.length === 1 ? 'is' : 'are'} recorded every time, from the first call`] : []),
    ...(ifAgreed.length ? [`${ifAgreed.join(', ')} ${ifAgreed.length === 1 ? 'is' : 'are'} recorded only when the customer agrees on the consent page`] : []),
  ];
  return parts.length ? `${parts.join('; ')}. Meeting types set to never record stay unrecorded.` : 'None of your meeting types records, so this changes nothing until one does.';
}

export function FinishStep({ onboarding, onChanged, onCompleted }: StepProps & { onCompleted: () => void }) {
  const { Checkbox, Button, Text } = useKit();
  const { call } = useSession();
  const types = useMeetingTypes();
  const [enableRecording, setEnableRecording] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const missing = onboarding.steps.filter((step) => !step.done);

  const finish = async () => {
    setBusy(true);
    setError(null);
    try {
      const { onboarding: next } = await call<OnboardingResponse>('/api/admin/onboarding/complete', { method: 'POST', body: { enableRecording } });
      onChanged(next);
      onCompleted();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  if (onboarding.completedAt) {
    return <Text>{`Set-up was finished on ${formatDateTime(onboarding.completedAt)}. You can come back to any step to change it.`}</Text>;
  }
  return (
    <div className="console-stack">
      {missing.length > 0 ? <Text>{`Still to do: ${missing.map((s) => s.title).join(', ')}.`}</Text> : <Text>Every step is done.</Text>}
      <Checkbox
        label="Turn on recording for meeting types that record"
        checked={enableRecording}
        onChange={setEnableRecording}
        testId="enable-recording"
        hint={
          types.data
            ? `${whatRecordingMeans(types.data)} Leave this off and Parley records nothing, and its notices tell customers so; you can turn recording on here later.`
            : 'Leave this off and Parley records nothing, and its notices tell customers so; you can turn recording on here later.'
        }
      />
      <ErrorAlert error={error} />
      <div>
        <Button variant="primary" onClick={() => void finish()} disabled={busy} testId="finish-onboarding">
          Finish set-up
        </Button>
      </div>
    </div>
  );
}

/** After set-up: recording can be switched on or off at any time (audited by the server), once confirmed. */
export function RecordingSwitch({ onboarding, onChanged }: { onboarding: Onboarding; onChanged: (next: Onboarding) => void }) {
  const { Button, Text, Dialog } = useKit();
  const { call } = useSession();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const on = onboarding.recordingEnabledAt !== null;

  const flip = async () => {
    setBusy(true);
    setError(null);
    try {
      onChanged((await call<OnboardingResponse>('/api/admin/onboarding/recording', { method: 'PUT', body: { enabled: !on } })).onboarding);
      setConfirming(false);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Section title="Recording" testId="recording-switch">
      <Text testId="recording-state">
        {on
          ? `Recording is on since ${formatDateTime(onboarding.recordingEnabledAt)}: meeting types that record do so.`
          : 'Recording is off: no call is recorded, whatever its meeting type says.'}
      </Text>
      {confirming ? null : <ErrorAlert error={error} />}
      <Button
        variant={on ? 'danger' : 'primary'}
        onClick={() => {
          setError(null);
          setConfirming(true);
        }}
        disabled={busy}
        testId="toggle-recording"
      >
        {on ? 'Turn recording off' : 'Turn recording on'}
      </Button>
      <Dialog
        open={confirming}
        title={on ? 'Turn recording off for the whole account?' : 'Turn recording on for the whole account?'}
        onClose={() => setConfirming(false)}
        testId="confirm-recording-dialog"
        actions={
          <>
            <Button variant="secondary" onClick={() => setConfirming(false)} disabled={busy}>
              Cancel
            </Button>
            <Button variant={on ? 'danger' : 'primary'} onClick={() => void flip()} disabled={busy} testId="confirm-recording">
              {on ? 'Turn recording off' : 'Turn recording on'}
            </Button>
          </>
        }
      >
        <Text>
          {on
            ? 'From now on no new recording starts, and calls of meeting types that must be recorded can no longer be offered. Every privacy notice gets a new version saying so. Recordings already made are kept until their retention ends.'
            : 'From now on calls are recorded as their meeting type says: always where recording is required, and where it is optional only if the customer agrees. Every privacy notice gets a new version saying so.'}
        </Text>
        {confirming ? <ErrorAlert error={error} /> : null}
      </Dialog>
    </Section>
  );
}
