import { and, eq } from 'drizzle-orm';
import { recordings } from '../../db/schema/index.js';
import { NotFoundError } from '../../errors.js';
import type { ServiceDeps } from '../deps.js';
import type { Principal } from '../principal.js';
import { loadRecordingFor } from './access.js';
import { recordingView } from './view.js';

export async function getRecording(deps: Pick<ServiceDeps, 'db'>, principal: Principal, recordingId: string) {
  const { recording: row } = await loadRecordingFor(deps.db, principal, recordingId, 'list_recordings');
  return recordingView(row);
}

/** The recording of a call, for the agent's call panel once the call is over. */
export async function getCallRecording(deps: Pick<ServiceDeps, 'db'>, principal: Principal, callId: string) {
  const [row] = await deps.db
    .select({ id: recordings.id })
    .from(recordings)
    .where(and(eq(recordings.callId, callId), eq(recordings.tenantId, principal.tenantId)));
  if (!row) throw new NotFoundError('RECORDING_NOT_FOUND', 'This call was not recorded.');
  return getRecording(deps, principal, row.id);
}
