import { eq } from 'drizzle-orm';
import { calls, recordings } from '../../db/schema/index.js';
import { ForbiddenError } from '../../errors.js';
import { recordAudit } from '../audit/record.js';
import { notes } from '../consent/notes.js';
import { noteOnTicket } from '../outbox/ticket-note.js';
import type { ServiceDeps } from '../deps.js';
import type { Principal } from '../principal.js';
import { callView, loadCallFor, loadParticipants } from './load-call.js';
import { releaseCallMedia } from './teardown-media.js';
import { assertTransition } from './state-machine.js';

/**
 * Ends a call: the state change commits first, then the room and participant
 * tokens are torn down. If the media server is unreachable the call is still
 * ended for us; the room dies with the node, and the call remembers why.
 */
export async function endCall(deps: ServiceDeps, principal: Principal, callId: string) {
  if (principal.kind === 'call-participant' && principal.role !== 'agent') {
    throw new ForbiddenError('Only the agent can end the call for everyone.');
  }
  const ended = await deps.db.transaction(async (tx) => {
    const loaded = await loadCallFor(tx, principal, callId, { forUpdate: true });
    assertTransition(loaded.call.state, 'ended');
    const now = new Date();
    await tx
      .update(calls)
      .set({ state: 'ended', endedAt: now, recordingActive: false, endReason: 'ended_by_agent', updatedAt: now })
      .where(eq(calls.id, callId));
    if (loaded.call.recordingActive) {
      await noteOnTicket(tx, loaded.call, notes.recordingStopped(), `call:${callId}:recording-off:end`);
    }
    await recordAudit(tx, {
      tenantId: principal.tenantId,
      actor: principal,
      action: 'call.ended',
      subjectType: 'call',
      subjectId: callId,
      details: { wasRecording: loaded.call.recordingActive },
    });
    return loaded;
  });

  const people = await loadParticipants(deps.db, principal.tenantId, callId);
  await releaseCallMedia(deps, ended.call, people);

  const [recording] = await deps.db.select({ id: recordings.id }).from(recordings).where(eq(recordings.callId, callId));
  if (recording) deps.onRecordingReady?.(recording.id);

  return callView(await loadCallFor(deps.db, principal, callId), people);
}
