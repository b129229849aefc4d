import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { recordings } from '../../db/schema/index.js';
import { ConflictError, GoneError } from '../../errors.js';
import { recordAudit } from '../audit/record.js';
import { activeHolds, lockCustomerData } from '../legal-holds/active.js';
import type { ServiceDeps } from '../deps.js';
import type { Principal } from '../principal.js';
import { loadRecordingFor } from './access.js';
import { removeShreddedBlobs } from './delete-due.js';

export const deleteRecordingInput = z.object({
  /** Why it goes before its retention ends; kept in the audit trail (a category, never free text that could hold personal data). */
  reason: z.enum(['customer_request', 'recorded_in_error', 'legal_instruction', 'other']),
});

/**
 * Deletes a recording before its retention ends, for someone whose role allows it. As retention
 * does: the wrapped key is destroyed with the audit row in one transaction (the recording is
 * unreadable from then on), then the blob is removed and checked gone.
 */
export async function deleteRecording(
  deps: Pick<ServiceDeps, 'db' | 'logger' | 'recordings'>,
  principal: Principal,
  recordingId: string,
  input: z.infer<typeof deleteRecordingInput>,
) {
  const { recording, agent } = await loadRecordingFor(deps.db, principal, recordingId, 'delete_recording');
  if (recording.stage === 'deleted') throw new GoneError('RECORDING_DELETED', 'This recording is already deleted.');
  const now = new Date();
  await deps.db.transaction(async (tx) => {
    // Asked under the lock a new hold takes, so a hold placed meanwhile is seen, not raced.
    await lockCustomerData(tx, agent.tenantId, recording.customerId);
    const holds = await activeHolds(tx, { tenantId: agent.tenantId, recordingId, caseId: recording.caseId, customerId: recording.customerId });
    if (holds.length > 0) throw new ConflictError('LEGAL_HOLD', `This recording is under legal hold (${holds.map((h) => h.reference).join(', ')}); release the hold first.`);
    const [row] = await tx
      .update(recordings)
      .set({ stage: 'deleted', wrappedKey: null, deletedAt: now, deletionReason: 'deleted_by_user', updatedAt: now })
      .where(and(eq(recordings.id, recordingId), eq(recordings.stage, 'done')))
      .returning({ id: recordings.id });
    if (!row) throw new ConflictError('RECORDING_NOT_READY', 'This recording is still being processed; delete it once it is stored.');
    await recordAudit(tx, {
      tenantId: agent.tenantId,
      actor: agent,
      action: 'recording.key_destroyed',
      subjectType: 'recording',
      subjectId: recordingId,
      details: { reason: 'deleted_by_user', why: input.reason, callId: recording.callId, sizeBytes: recording.sizeBytes },
    });
  });
  await removeShreddedBlobs({ db: deps.db, stores: deps.recordings.stores, logger: deps.logger }, now, recordingId);
  const [after] = await deps.db.select({ blobDeletedAt: recordings.blobDeletedAt }).from(recordings).where(eq(recordings.id, recordingId));
  return { id: recordingId, deletedAt: now.toISOString(), blobRemoved: after?.blobDeletedAt !== null && after?.blobDeletedAt !== undefined };
}
