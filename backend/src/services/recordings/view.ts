import type { RecordingRow } from './access.js';

/**
 * What people see of a recording: where it is in the pipeline and whether it can be played. No
 * keys, paths or object names.
 */
export function recordingView(row: RecordingRow, call: { media: 'audio' | 'audio+video' }) {
  const playable = row.stage === 'stored' || row.stage === 'done';
  const status: 'available' | 'failed' | 'deleted' | 'waiting_to_retry' | 'processing' = playable
    ? 'available'
    : row.stage === 'failed' || row.stage === 'deleted'
      ? row.stage
      : row.lastError
        ? 'waiting_to_retry'
        : 'processing';
  return {
    id: row.id,
    callId: row.callId,
    caseId: row.caseId,
    customerId: row.customerId,
    status,
    stage: row.stage,
    media: call.media,
    durationSeconds: row.durationSeconds,
    sizeBytes: row.sizeBytes,
    storageLocation: row.storageLocation,
    storedAt: row.storedAt?.toISOString() ?? null,
    /** Why it is waiting, for the operator; null once fine. */
    problem: playable || row.stage === 'deleted' ? null : row.lastError,
    nextAttemptAt: status === 'waiting_to_retry' ? row.nextAttemptAt.toISOString() : null,
    createdAt: row.createdAt.toISOString(),
  };
}

export type RecordingView = ReturnType<typeof recordingView>;
