import { useState, type FormEvent } from 'react';
import { fieldError } from '../../../api';
import type { DsarKind, DsarReceive, DsarReceivedResponse } from '../../../api-types';
import { useSession } from '../../session-context';
import { ErrorAlert } from '../../ui/error-alert';
import { useKit } from '../../ui/kit-context';
import { Section } from '../../ui/screen';

type NamedBy = 'email' | 'zendesk' | 'teams';

const namedByOptions = [
  { value: 'email', label: 'Email address' },
  { value: 'zendesk', label: 'Zendesk user id' },
  { value: 'teams', label: 'Teams user id' },
];

/** Records a request as it was received; the deadline runs from now. */
export function ReceiveForm({ onReceived }: { onReceived: () => void }) {
  const { Select, TextField, Button, Text } = useKit();
  const { call } = useSession();
  const [kind, setKind] = useState<DsarKind>('access');
  const [namedBy, setNamedBy] = useState<NamedBy>('email');
  const [subject, setSubject] = useState('');
  const [verification, setVerification] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [recorded, setRecorded] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setRecorded(null);
    try {
      const body: DsarReceive = {
        kind,
        subject: namedBy === 'email' ? { email: subject.trim() } : { host: namedBy, externalId: subject.trim() },
        verification: verification.trim(),
      };
      const { requests } = await call<DsarReceivedResponse>('/api/dsar', { method: 'POST', body });
      setRecorded(
        requests.length > 1
          ? `Recorded ${requests.length} requests, one for each customer record this person has; they are due together.`
          : 'Recorded the request.',
      );
      setSubject('');
      setVerification('');
      onReceived();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Section title="Record a new request" testId="receive-request">
      <form className="console-stack" onSubmit={(event) => void submit(event)} noValidate>
        <div className="console-row">
          <Select
            label="Kind of request"
            value={kind}
            options={[
              { value: 'access', label: 'Access (Art. 15): a copy of their data' },
              { value: 'erasure', label: 'Erasure (Art. 17): delete their data' },
            ]}
            onChange={(value) => setKind(value as DsarKind)}
            testId="dsar-kind"
          />
          <Select label="The person is named by" value={namedBy} options={namedByOptions} onChange={(value) => setNamedBy(value as NamedBy)} testId="dsar-named-by" />
        </div>
        <TextField
          label={namedByOptions.find((o) => o.value === namedBy)!.label}
          type={namedBy === 'email' ? 'email' : 'text'}
          required
          autoComplete="off"
          hint="Parley keeps only a digest of it, to find the person's data."
          value={subject}
          error={fieldError(error, 'subject')}
          onChange={setSubject}
          testId="dsar-subject"
        />
        <TextField
          label="How their identity was checked"
          required
          hint='The method, not the evidence, e.g. "replied from the email address on file".'
          value={verification}
          error={fieldError(error, 'verification')}
          onChange={setVerification}
          testId="dsar-verification"
        />
        <ErrorAlert error={error} />
        {recorded ? (
          <div role="status" data-testid="dsar-recorded">
            <Text>{recorded}</Text>
          </div>
        ) : null}
        <div>
          <Button type="submit" variant="primary" disabled={busy || subject.trim() === '' || verification.trim() === ''} testId="dsar-submit">
            Record the request
          </Button>
        </div>
      </form>
    </Section>
  );
}
