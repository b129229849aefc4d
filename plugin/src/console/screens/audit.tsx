import { useState, type FormEvent } from 'react';
import { formatDateTime } from '../format';
import type { AuditEventsResponse, AuditEventView, AuditVerification } from '../../api-types';
import { useSession } from '../session-context';
import { ErrorAlert } from '../ui/error-alert';
import { useKit } from '../ui/kit-context';
import { Screen, Section } from '../ui/screen';
import { usePaged } from '../use-paged';

const PAGE_SIZE = 50;

const brokenReasons: Record<NonNullable<AuditVerification['firstBroken']>['reason'], string> = {
  hash_mismatch: 'the event was changed after it was written',
  prev_hash_mismatch: 'the event does not follow the one before it',
  missing_event: 'an event is missing',
  head_mismatch: 'the latest events were removed or replaced',
};

/** "intact (1,234 events checked)" or "broken at event 57: …", the words the Verify button shows. */
export function describeVerification(result: AuditVerification): string {
  if (result.ok) return `The audit trail is intact: ${result.events.toLocaleString()} events checked, each linked to the one before.`;
  const broken = result.firstBroken;
  return broken ? `The audit trail is broken at event ${broken.seq}: ${brokenReasons[broken.reason]}.` : 'The audit trail is broken.';
}

function actorLabel(event: AuditEventView): string {
  if (event.actor.displayName) return event.actor.displayName;
  if (event.actor.kind === 'system') return 'Parley';
  if (event.actor.kind.startsWith('participant:')) return `Call ${event.actor.kind.slice('participant:'.length)}`;
  return event.actor.kind;
}

function detailsText(event: AuditEventView): string {
  const parts = Object.entries(event.details).map(([key, value]) => `${key}: ${String(value)}`);
  if (event.hasPersonalData) parts.push('personal data sealed');
  return parts.join('; ') || '—';
}

export function AuditScreen() {
  const { Table, TextField, Button, Alert, Text, Spinner } = useKit();
  const { call } = useSession();
  const [action, setAction] = useState('');
  const [filter, setFilter] = useState('');
  const [verification, setVerification] = useState<AuditVerification | null>(null);
  const [verifying, setVerifying] = useState(false);
  const [verifyError, setVerifyError] = useState<unknown>(null);

  const events = usePaged(
    async (cursor) => {
      const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (cursor) query.set('cursor', cursor);
      if (filter) query.set('action', filter);
      const page = await call<AuditEventsResponse>(`/api/admin/audit?${query}`);
      return { items: page.events, nextCursor: page.nextCursor };
    },
    [call, filter],
  );

  const verify = async () => {
    setVerifying(true);
    setVerification(null);
    setVerifyError(null);
    try {
      setVerification(await call<AuditVerification>('/api/admin/audit/verify'));
    } catch (caught) {
      setVerifyError(caught);
    } finally {
      setVerifying(false);
    }
  };

  const applyFilter = (event: FormEvent) => {
    event.preventDefault();
    setFilter(action.trim());
  };

  return (
    <Screen title="Audit trail" intro="Every change, view, export and deletion, newest first. Each event is chained to the one before it, so a changed or missing event shows.">
      <Section title="Check the chain">
        {/* The server reads the whole chain: one check at a time, and say it is under way. */}
        <Button variant="primary" onClick={() => void verify()} disabled={verifying} testId="verify-audit">
          {verifying ? 'Verifying…' : 'Verify'}
        </Button>
        <ErrorAlert error={verifyError} />
        {verification ? (
          <Alert tone={verification.ok ? 'success' : 'danger'} title={verification.ok ? 'Intact' : 'Broken'} testId="audit-verification">
            {describeVerification(verification)}
          </Alert>
        ) : null}
      </Section>
      <Section title="Events">
        <form className="console-row" onSubmit={applyFilter}>
          <TextField label="Action" hint="e.g. recording.played or tenant.settings_changed" value={action} onChange={setAction} testId="audit-action" />
          <Button type="submit">Filter</Button>
        </form>
        <ErrorAlert error={events.error} />
        {!events.items && !events.error ? <Spinner label="Loading events…" /> : null}
        {events.items?.length === 0 ? <Text>No events.</Text> : null}
        {events.items && events.items.length > 0 ? (
          <Table
            label="Audit events"
            testId="audit-table"
            rows={events.items}
            rowKey={(e) => String(e.id)}
            columns={[
              { key: 'seq', header: 'Event', numeric: true, width: '5rem', render: (e) => (e.seq === null ? '—' : e.seq) },
              { key: 'at', header: 'When', width: '9rem', render: (e) => formatDateTime(e.at) },
              { key: 'action', header: 'Action', width: '13rem', render: (e) => <code className="console-code">{e.action}</code> },
              { key: 'actor', header: 'By', width: '9rem', render: actorLabel },
              { key: 'subject', header: 'About', width: '10rem', render: (e) => `${e.subjectType.replace(/_/g, ' ')} ${e.subjectId.slice(0, 8)}` },
              { key: 'details', header: 'Details', render: detailsText },
            ]}
          />
        ) : null}
        {events.nextCursor ? (
          <Button onClick={events.loadMore} disabled={events.busy}>
            Show older events
          </Button>
        ) : null}
      </Section>
    </Screen>
  );
}
