import { GoneError } from '../../errors.js';
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
    /** Why a deleted recording is gone: its retention ended, the person recorded had it erased, someone deleted it early, or it could not be made. */
    deletionReason: row.stage === 'deleted' ? deletionReasonOf(row.deletionReason) : null,
    nextAttemptAt: status === 'waiting_to_retry' ? row.nextAttemptAt.toISOString() : null,
    createdAt: row.createdAt.toISOString(),
  };
}

export type RecordingView = ReturnType<typeof recordingView>;

const DELETION_REASONS = ['retention', 'erasure', 'deleted_by_user', 'failed'] as const;
export type DeletionReason = (typeof DELETION_REASONS)[number];
const deletionReasonOf = (reason: string | null): DeletionReason | null => (DELETION_REASONS as readonly string[]).includes(reason ?? '') ? (reason as DeletionReason) : null;

/** Why a deleted recording is gone, in the words the person asking for it should read. */
export function deletedRecordingError(reason: string | null): GoneError {
  const why: Record<string, string> = {
    retention: 'This recording was deleted when its retention period ended.',
    erasure: 'This recording was erased at the request of the person recorded.',
    deleted_by_user: 'This recording was deleted before its retention period ended.',
    failed: 'This recording could not be made from the call’s media, and what was captured has been deleted.',
  };
  return new GoneError('RECORDING_DELETED', why[reason ?? ''] ?? 'This recording was deleted.');
}
