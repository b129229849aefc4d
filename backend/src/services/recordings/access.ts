import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { recordings } from '../../db/schema/index.js';
import { ForbiddenError, NotFoundError } from '../../errors.js';
import type { Principal } from '../principal.js';

export type RecordingRow = typeof recordings.$inferSelect;
export type RecordingAction = 'view' | 'play';

/**
 * The one place that decides who may see or play a recording. Deny by default: today an agent of
 * the recording's tenant may; call participants (the customer included) may not browse recordings.
 * Other tenants' recordings look missing, not forbidden.
 */
export function assertMayAccessRecording(principal: Principal, recording: Pick<RecordingRow, 'tenantId'>, action: RecordingAction): void {
  if (principal.tenantId !== recording.tenantId) throw new NotFoundError('RECORDING_NOT_FOUND', 'No such recording.');
  if (principal.kind !== 'agent') throw new ForbiddenError(action === 'play' ? 'Only an agent can play recordings.' : 'Only an agent can see recordings.');
}

/** Loads a recording with the object in hand for the policy check. */
export async function loadRecordingFor(db: DbOrTx, principal: Principal, recordingId: string, action: RecordingAction): Promise<RecordingRow> {
  const [row] = await db
    .select()
    .from(recordings)
    .where(and(eq(recordings.id, recordingId), eq(recordings.tenantId, principal.tenantId)));
  if (!row) throw new NotFoundError('RECORDING_NOT_FOUND', 'No such recording.');
  assertMayAccessRecording(principal, row, action);
  return row;
}
