import { useState, type ReactNode } from 'react';
import type { OnboardingStepKey } from '../../../api-types';
import { legalBasisLabels, mediaLabels, recordingPolicyLabels } from '../../format';
import { hrefOf } from '../../routes';
import { useSession } from '../../session-context';
import { ErrorAlert } from '../../ui/error-alert';
import { useKit } from '../../ui/kit-context';
import { useMeetingTypes } from '../meeting-types/data';
import { UsersAndRoles } from '../people/people';
import { RetentionEditor } from '../retention/retention-editor';
import type { StepProps } from './onboarding';
import { markReviewed } from './storage-step';

/** A step with nothing to fill in: the admin reads what is set, changes what they want, and says so. */
function Review({ step, intro, children, onChanged }: { step: OnboardingStepKey; intro: string; children: ReactNode } & Pick<StepProps, 'onChanged'>) {
  const { Button, Text } = useKit();
  const { call } = useSession();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      onChanged(await markReviewed(call, step));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="console-stack">
      <Text>{intro}</Text>
      {children}
      <ErrorAlert error={error} />
      <div>
        <Button variant="primary" onClick={() => void confirm()} disabled={busy} testId="save-step">
          Mark as reviewed
        </Button>
      </div>
    </div>
  );
}

export function MeetingTypesReview({ onChanged }: StepProps) {
  const { Table, Link, Spinner } = useKit();
  const types = useMeetingTypes();
  return (
    <Review
      step="meeting_types"
      onChanged={onChanged}
      intro="The kinds of video call agents can start. Each says whether it is recorded, what is recorded and on what legal basis; the privacy notice tells customers the same."
    >
      <ErrorAlert error={types.error} />
      {types.data ? (
        <Table
          label="Meeting types"
          testId="review-meeting-types"
          rows={types.data}
          rowKey={(type) => type.id}
          columns={[
            { key: 'name', header: 'Meeting type', render: (type) => type.name },
            { key: 'recording', header: 'Recording', render: (type) => recordingPolicyLabels[type.recordingPolicy] },
            { key: 'media', header: 'Media', render: (type) => mediaLabels[type.media] },
            { key: 'basis', header: 'Legal basis', render: (type) => legalBasisLabels[type.legalBasis as keyof typeof legalBasisLabels] ?? type.legalBasis },
          ]}
        />
      ) : (
        <Spinner label="Loading meeting types…" />
      )}
      <Link href={hrefOf('meeting-types')}>Change meeting types and preview their notices</Link>
    </Review>
  );
}

export function RetentionReview({ onChanged }: StepProps) {
  const { Spinner } = useKit();
  const types = useMeetingTypes();
  return (
    <Review
      step="retention"
      onChanged={onChanged}
      intro="How long Parley keeps each meeting type's recordings, call details and consent records. When a period runs out the data is deleted for good."
    >
      <ErrorAlert error={types.error} />
      {types.data ? types.data.map((type) => <RetentionEditor key={type.id} type={type} />) : <Spinner label="Loading meeting types…" />}
    </Review>
  );
}

export function RolesReview({ onChanged }: StepProps) {
  return (
    <Review
      step="roles"
      onChanged={onChanged}
      intro="Who may start calls, watch recordings, read the audit trail and answer data-subject requests. Zendesk and Teams roles come with each sign-in; add Parley roles here, for example a data protection officer."
    >
      <UsersAndRoles level={3} />
    </Review>
  );
}
