import { GoneError } from '../../errors.js';
import type { RecordingRow } from './access.js';

/**
 * What people see of a recording: where it is in the pipeline and whether it can be played. No
 * keys, paths or object names.
 */
export function recordingView(row: RecordingRow) {
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
    media: row.media,
    durationSeconds: row.durationSeconds,
    sizeBytes: row.sizeBytes,
    storageLocation: row.storageLocation,
    storedAt: row.storedAt?.toISOString() ?? null,
    /** Why it is waiting or failed, in words for whoever may see the recording; null once fine. */
    problem: playable || row.stage === 'deleted' ? null : problemOf(row.lastError),
    /** Why a deleted recording is gone: its retention ended, the person recorded had it erased, someone deleted it early, or it could not be made. */
    deletionReason: row.stage === 'deleted' ? deletionReasonOf(row.deletionReason) : null,
    nextAttemptAt: status === 'waiting_to_retry' ? row.nextAttemptAt.toISOString() : null,
    createdAt: row.createdAt.toISOString(),
  };
}

export type RecordingView = ReturnType<typeof recordingView>;

/** What went wrong at each pipeline step (`lastError` begins with the step's name). */
const STEP_PROBLEMS: Record<string, string> = {
  composing: 'The call’s media could not be made into a recording.',
  verifying: 'The encrypted recording did not match the call’s media, so it is made again.',
  storing: 'The recording could not be written to its storage location.',
};

/**
 * The stored error text is for operators (it is in the database and the worker's log): it can
 * name file paths, object keys, buckets and regions. People who may see the recording get the
 * step that failed, in plain words.
 */
function problemOf(lastError: string | null): string | null {
  if (!lastError) return null;
  const step = lastError.slice(0, Math.max(0, lastError.indexOf(':')));
  return STEP_PROBLEMS[step] ?? 'The recording could not be processed.';
}

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
