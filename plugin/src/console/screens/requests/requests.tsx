import { useState } from 'react';
import type { DataSubjectRequest, DsarListResponse } from '../../../api-types';
import { formatDate } from '../../format';
import { useSession } from '../../session-context';
import { ErrorAlert } from '../../ui/error-alert';
import { useKit } from '../../ui/kit-context';
import { Screen, Section } from '../../ui/screen';
import { usePaged } from '../../use-paged';
import { deadlineBadge } from './deadline';
import { ExtendDialog } from './extend-dialog';
import { ReceiveForm } from './receive-form';

const stateLabels: Record<DataSubjectRequest['state'], string> = {
  received: 'Received',
  in_progress: 'In progress',
  completed: 'Completed',
  refused: 'Refused',
  partially_refused: 'Partly refused',
};

const kindLabels = { access: 'Access', erasure: 'Erasure' } as const;

const PAGE_SIZE = 50;

export function RequestsScreen() {
  const { Table, Badge, Button, Text, Spinner } = useKit();
  const { call } = useSession();
  const requests = usePaged(
    async (cursor) => {
      const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (cursor) query.set('cursor', cursor);
      const page = await call<DsarListResponse>(`/api/dsar?${query}`);
      return { items: page.requests, nextCursor: page.nextCursor };
    },
    [call],
  );
  const [extending, setExtending] = useState<DataSubjectRequest | null>(null);

  return (
    <Screen title="Data-subject requests" intro="Access and erasure requests, open ones first with the nearest deadline on top. Each is due 30 days after it was received.">
      <Section title="Requests">
        <ErrorAlert error={requests.error} />
        {requests.items === undefined && !requests.error ? <Spinner label="Loading requests…" /> : null}
        {requests.items?.length === 0 ? <Text>No requests yet.</Text> : null}
        {requests.items && requests.items.length > 0 ? (
          <Table
            label="Data-subject requests"
            testId="requests-table"
            rows={requests.items}
            rowKey={(r) => r.id}
            columns={[
              { key: 'received', header: 'Received', render: (r) => formatDate(r.receivedAt) },
              { key: 'kind', header: 'Kind', render: (r) => kindLabels[r.kind] },
              { key: 'state', header: 'State', render: (r) => stateLabels[r.state] },
              {
                key: 'deadline',
                header: 'Deadline',
                render: (r) => {
                  const badge = deadlineBadge(r);
                  return (
                    <span className="console-badges">
                      <Badge tone={badge.tone} testId="deadline-badge">
                        {badge.label}
                      </Badge>{' '}
                      {r.daysLeft !== null ? formatDate(r.dueAt) : formatDate(r.completedAt)}
                    </span>
                  );
                },
              },
              { key: 'progress', header: 'Progress', render: (r) => (r.progress.total > 0 ? `${r.progress.done} of ${r.progress.total}` : '—') },
              {
                key: 'extend',
                header: 'Extend',
                render: (r) =>
                  // Art. 12(3): an extension is made, and the requester told, before the deadline.
                  r.daysLeft !== null && !r.extended && r.overdue ? (
                    'Too late: the deadline has passed'
                  ) : r.daysLeft !== null && !r.extended ? (
                    <Button onClick={() => setExtending(r)} ariaLabel={`Extend the ${kindLabels[r.kind].toLowerCase()} request received ${formatDate(r.receivedAt)}`} testId="extend-request">
                      Extend
                    </Button>
                  ) : r.extended ? (
                    `Extended: ${r.extensionReason ?? ''}`
                  ) : (
                    '—'
                  ),
              },
            ]}
          />
        ) : null}
        {requests.nextCursor ? (
          <Button onClick={requests.loadMore} disabled={requests.busy} testId="requests-more">
            Show more requests
          </Button>
        ) : null}
      </Section>
      <ReceiveForm onReceived={requests.reload} />
      {extending ? (
        <ExtendDialog
          request={extending}
          onClose={() => setExtending(null)}
          onExtended={() => {
            setExtending(null);
            requests.reload();
          }}
        />
      ) : null}
    </Screen>
  );
}
