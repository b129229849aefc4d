import { and, eq } from 'drizzle-orm';
import { participants } from '../../db/schema/index.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../../errors.js';
import { recordAudit } from '../audit/record.js';
import type { ServiceDeps } from '../deps.js';
import type { CallParticipantPrincipal } from '../principal.js';
import { newMediaToken } from './join-token.js';
import { callView, loadCallFor, loadParticipants, roomOf, type LoadedCall } from './load-call.js';
import { mediaGrant } from './media-grant.js';
import { isFinished } from './state-machine.js';

/**
 * The lobby and the agent's control over who is in the call. A customer of a meeting type with a
 * lobby redeems their link into the lobby and gets no media token until the agent admits them; the
 * agent can turn them away there, or remove them from the call later. Removal revokes the media
 * token at the gateway, takes them out of the room and ends their call session.
 */

/** The waiting customer's page asks this until they are let in (or turned away: 410 PARTICIPANT_REMOVED). */
export async function admission(deps: ServiceDeps, principal: CallParticipantPrincipal, callId: string) {
  const loaded = await loadCallFor(deps.db, principal, callId);
  assertRunning(loaded);
  const self = await participantOf(deps, loaded, principal.participantId);
  if (!self.admittedAt || !self.mediaToken) return { admission: 'waiting' as const, media: null };
  return { admission: 'admitted' as const, media: mediaGrant(deps, loaded.call, { id: self.id, role: self.role, mediaToken: self.mediaToken }) };
}

/** The agent lets a waiting customer in. Admitting someone already in changes nothing. */
export async function admitParticipant(deps: ServiceDeps, principal: CallParticipantPrincipal, callId: string, participantId: string) {
  assertCallAgent(principal);
  const before = await loadCallFor(deps.db, principal, callId);
  assertRunning(before);
  // The gateway learns the token first: if it is down, nothing changes and the agent can try again.
  const mediaToken = newMediaToken();
  await deps.media.addParticipantToken(before.call.mediaNodeId, mediaToken);

  const forget = () => deps.media.removeParticipantToken(before.call.mediaNodeId, mediaToken).catch(() => {});
  // Refused or failed, the token must not stay valid at the gateway: no row would ever revoke it.
  const admitted = await deps.db.transaction(async (tx) => {
    const loaded = await loadCallFor(tx, principal, callId, { forUpdate: true });
    assertRunning(loaded);
    const target = await participantOf(deps, loaded, participantId, tx);
    if (target.removedAt) throw new ConflictError('PARTICIPANT_REMOVED', 'This person was removed from the call and cannot be let in again.');
    if (target.admittedAt) return false;
    if (!target.lobbyEnteredAt) throw new ConflictError('NOT_IN_LOBBY', 'The customer has not opened their link yet.');
    const now = new Date();
    await tx.update(participants).set({ mediaToken, admittedAt: now, updatedAt: now }).where(eq(participants.id, target.id));
    await recordAudit(tx, {
      tenantId: principal.tenantId,
      actor: principal,
      action: 'call.participant_admitted',
      subjectType: 'call',
      subjectId: callId,
      details: { role: target.role },
    });
    return true;
  }).catch(async (error: unknown) => {
    await forget();
    throw error;
  });
  if (!admitted) await forget();
  return viewOf(deps, principal, callId);
}

/**
 * The agent removes the customer: from the lobby (turning them away) or from the running call.
 * Repeating it repeats the media steps, so a gateway that failed the first time is asked again.
 */
export async function removeParticipant(deps: ServiceDeps, principal: CallParticipantPrincipal, callId: string, participantId: string) {
  assertCallAgent(principal);
  const { loaded, target } = await deps.db.transaction(async (tx) => {
    const loaded = await loadCallFor(tx, principal, callId, { forUpdate: true });
    const target = await participantOf(deps, loaded, participantId, tx);
    if (target.role === 'agent') throw new ForbiddenError('The agent leaves a call by ending it.');
    if (!target.removedAt && !isFinished(loaded.call.state)) {
      const now = new Date();
      await tx
        .update(participants)
        .set({ removedAt: now, ...(target.joinedAt && !target.leftAt ? { leftAt: now } : {}), updatedAt: now })
        .where(eq(participants.id, target.id));
      await recordAudit(tx, {
        tenantId: principal.tenantId,
        actor: principal,
        action: 'call.participant_removed',
        subjectType: 'call',
        subjectId: callId,
        details: { role: target.role, from: target.admittedAt ? 'call' : 'lobby' },
      });
    }
    return { loaded, target };
  });

  if (target.mediaToken && !isFinished(loaded.call.state)) {
    // Revoke first, so the browser cannot come straight back; then take it out of the room.
    await deps.media.removeParticipantToken(loaded.call.mediaNodeId, target.mediaToken);
    const room = roomOf(loaded.call);
    const inRoom = await deps.media.listParticipants(room);
    for (const person of inRoom.filter((p) => p.display === target.role)) await deps.media.kick(room, person.id);
  }
  return viewOf(deps, principal, callId);
}

function assertCallAgent(principal: CallParticipantPrincipal): void {
  if (principal.role !== 'agent') throw new ForbiddenError('Only the agent of this call can let people in or remove them.');
}

function assertRunning(loaded: LoadedCall): void {
  if (isFinished(loaded.call.state)) throw new ConflictError('CALL_ENDED', 'This call has already ended.');
}

async function participantOf(deps: ServiceDeps, loaded: LoadedCall, participantId: string, db: Parameters<typeof loadParticipants>[0] = deps.db) {
  const [target] = await db
    .select()
    .from(participants)
    .where(and(eq(participants.id, participantId), eq(participants.callId, loaded.call.id), eq(participants.tenantId, loaded.call.tenantId)));
  if (!target) throw new NotFoundError('PARTICIPANT_NOT_FOUND', 'No such participant in this call.');
  return target;
}

async function viewOf(deps: ServiceDeps, principal: CallParticipantPrincipal, callId: string) {
  const loaded = await loadCallFor(deps.db, principal, callId);
  return callView(loaded, await loadParticipants(deps.db, principal.tenantId, callId));
}
