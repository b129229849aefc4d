import { useState } from 'react';
import { formatDuration } from '../../format';
import { formatBytes, formatDate, formatDateTime } from '../format';
import type { AdminRecording, AdminRecordingsResponse, PlaybackResponse } from '../../api-types';
import { openWindowFor } from '../../open-window';
import { useSession, type ConsoleSession } from '../session-context';
import { ErrorAlert } from '../ui/error-alert';
import { useKit } from '../ui/kit-context';
import { Screen } from '../ui/screen';
import { usePaged } from '../use-paged';
import { useMeetingTypes } from './meeting-types/data';

const PAGE_SIZE = 25;

const statusLabels: Record<AdminRecording['status'], string> = {
  processing: 'Being processed',
  waiting_to_retry: 'Waiting to retry',
  available: 'Available',
  failed: 'Failed',
  deleted: 'Deleted',
};

/** Each playback is its own audited link, valid minutes only; the viewer opens in a tab of its own. */
function play(call: ConsoleSession['call'], recordingId: string): Promise<void> {
  return openWindowFor(async () => {
    const { viewerUrl } = await call<PlaybackResponse>(`/api/recordings/${encodeURIComponent(recordingId)}/playback`, { method: 'POST' });
    return viewerUrl;
  });
}

function caseLabel(recording: AdminRecording): string {
  if (!recording.case) return 'Erased';
  return recording.case.host === 'zendesk' ? `Ticket ${recording.case.externalId}` : `Teams chat ${recording.case.externalId}`;
}

export function RecordingsScreen() {
  const { Table, Select, Button, Badge, Text, Spinner } = useKit();
  const { call, actions } = useSession();
  const types = useMeetingTypes();
  const [meetingTypeId, setMeetingTypeId] = useState('');
  const recordings = usePaged(
    async (cursor) => {
      const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (cursor) query.set('cursor', cursor);
      if (meetingTypeId) query.set('meetingTypeId', meetingTypeId);
      const page = await call<AdminRecordingsResponse>(`/api/admin/recordings?${query}`);
      return { items: page.recordings, nextCursor: page.nextCursor };
    },
    [call, meetingTypeId],
  );
  // Failed playback links are shown with the list's own errors.
  const [playError, setPlayError] = useState<unknown>(null);

  const mayPlay = actions.has('play_recording');
  return (
    <Screen title="Recordings" intro="Recordings you may see, newest first. Each playback is recorded in the audit trail.">
      <div className="console-row">
        <Select
          label="Meeting type"
          value={meetingTypeId}
          options={[{ value: '', label: 'All meeting types' }, ...(types.data ?? []).map((t) => ({ value: t.id, label: t.name }))]}
          onChange={setMeetingTypeId}
          testId="recordings-filter"
        />
      </div>
      <ErrorAlert error={recordings.error ?? playError} />
      {!recordings.items && !recordings.error ? <Spinner label="Loading recordings…" /> : null}
      {recordings.items?.length === 0 ? <Text testId="no-recordings">No recordings.</Text> : null}
      {recordings.items && recordings.items.length > 0 ? (
        <Table
          label="Recordings"
          testId="recordings-table"
          rows={recordings.items}
          rowKey={(r) => r.id}
          columns={[
            { key: 'at', header: 'Recorded', render: (r) => formatDateTime(r.recordedAt) },
            { key: 'type', header: 'Meeting type', render: (r) => r.meetingType.name },
            { key: 'customer', header: 'Customer', render: (r) => r.customer.displayName ?? 'Erased' },
            { key: 'case', header: 'Case', render: caseLabel },
            { key: 'length', header: 'Length', numeric: true, render: (r) => (r.durationSeconds === null ? '—' : formatDuration(r.durationSeconds)) },
            { key: 'size', header: 'Size', numeric: true, render: (r) => (r.sizeBytes === null ? '—' : formatBytes(r.sizeBytes)) },
            {
              key: 'delete',
              header: 'Deleted after',
              render: (r) => (
                <>
                  {formatDate(r.deleteAfter)} {r.legalHold ? <Badge tone="warning">Legal hold</Badge> : null}
                </>
              ),
            },
            {
              key: 'play',
              header: 'Play',
              render: (r) =>
                mayPlay && r.status === 'available' ? (
                  <Button onClick={() => void play(call, r.id).then(() => setPlayError(null), setPlayError)} ariaLabel={`Play the recording of ${formatDateTime(r.recordedAt)}`} testId="play-recording">
                    Play
                  </Button>
                ) : (
                  statusLabels[r.status]
                ),
            },
          ]}
        />
      ) : null}
      {recordings.nextCursor ? (
        <Button onClick={recordings.loadMore} disabled={recordings.busy} testId="more-recordings">
          Show more
        </Button>
      ) : null}
    </Screen>
  );
}
