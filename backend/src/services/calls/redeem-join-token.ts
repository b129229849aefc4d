import { and, eq, isNull } from 'drizzle-orm';
import { joinTokens, participants } from '../../db/schema/index.js';
import { ConflictError, ForbiddenError, GoneError, NotFoundError } from '../../errors.js';
import { recordAudit } from '../audit/record.js';
import { consentState } from '../consent/state.js';
import type { ServiceDeps } from '../deps.js';
import { isFinished } from './state-machine.js';
import { hashJoinToken, newMediaToken } from './join-token.js';
import { loadCallFor, roomOf } from './load-call.js';
import { mediaGrant } from './media-grant.js';

/**
 * Exchanges a single-use join link for a short-lived call session and the
 * participant's own media credentials. Done on an explicit click (POST), not on
 * page load, because chat apps prefetch links for previews.
 */
export async function redeemJoinToken(deps: ServiceDeps, token: string) {
  const [link] = await deps.db
    .select({ joinToken: joinTokens, participant: participants })
    .from(joinTokens)
    .innerJoin(participants, eq(participants.id, joinTokens.participantId))
    .where(eq(joinTokens.tokenHash, hashJoinToken(token)));
  if (!link) throw new NotFoundError('TOKEN_NOT_FOUND', 'This join link is not valid. Ask for a new one.');
  if (link.joinToken.usedAt) throw new ConflictError('TOKEN_USED', 'This join link has already been used. Ask for a new one.');
  if (link.joinToken.expiresAt.getTime() <= Date.now()) {
    throw new GoneError('TOKEN_EXPIRED', 'This join link has expired. Ask for a new one.');
  }

  const { tenantId, callId } = link.joinToken;
  const principal = {
    kind: 'call-participant',
    tenantId,
    callId,
    participantId: link.participant.id,
    role: link.participant.role,
  } as const;
  const loaded = await loadCallFor(deps.db, principal, callId);
  if (isFinished(loaded.call.state)) throw new ConflictError('CALL_ENDED', 'This call has already ended.');
  // Join links for customers only exist after a "yes"; checked again because the records are the proof.
  if (principal.role === 'customer' && (await consentState(deps.db, tenantId, callId)).join !== 'granted') {
    throw new ForbiddenError('The customer has not agreed to join this call.');
  }

  // A customer of a meeting type with a lobby waits there: no media token until the agent lets them in.
  const waits = principal.role === 'customer' && loaded.meetingType.lobby;
  if (link.participant.removedAt) throw new GoneError('PARTICIPANT_REMOVED', 'You were removed from this call.');

  // Authorise the media token before spending the link: if the media server is
  // down the person can simply try the same link again.
  const mediaToken = waits ? null : newMediaToken();
  if (mediaToken) await deps.media.addParticipantToken(loaded.call.mediaNodeId, mediaToken);
  // A supervisor may come after the room was locked to the two participants, and an agent who
  // reopened the call view holds a new token for their seat: either joins the room's list.
  if (mediaToken && principal.role !== 'customer' && loaded.call.lockedAt) await deps.media.allowInRoom(roomOf(loaded.call), mediaToken);

  const spent = await deps.db.transaction(async (tx) => {
    const claimed = await tx
      .update(joinTokens)
      .set({ usedAt: new Date() })
      .where(and(eq(joinTokens.id, link.joinToken.id), isNull(joinTokens.usedAt)))
      .returning({ id: joinTokens.id });
    if (claimed.length === 0) return false;
    const now = new Date();
    await tx
      .update(participants)
      .set(mediaToken ? { mediaToken, admittedAt: now, updatedAt: now } : { lobbyEnteredAt: now, updatedAt: now })
      .where(eq(participants.id, link.participant.id));
    await recordAudit(tx, {
      tenantId,
      actor: principal,
      action: waits ? 'call.lobby_entered' : 'call.join_link_redeemed',
      subjectType: 'call',
      subjectId: callId,
      details: { role: principal.role },
    });
    return true;
  }).catch(async (error: unknown) => {
    // Nothing was written, so no row would ever revoke the token the gateway already holds.
    if (mediaToken) await deps.media.removeParticipantToken(loaded.call.mediaNodeId, mediaToken).catch(() => {});
    throw error;
  });
  if (!spent) {
    if (mediaToken) await deps.media.removeParticipantToken(loaded.call.mediaNodeId, mediaToken).catch(() => {});
    throw new ConflictError('TOKEN_USED', 'This join link has already been used. Ask for a new one.');
  }
  // A new link for a seat (a supervisor's, or the agent's reopened view) replaces the earlier one: the earlier media token goes.
  const replaced = link.participant.mediaToken;
  if (mediaToken && replaced && replaced !== mediaToken) {
    await deps.media.removeParticipantToken(loaded.call.mediaNodeId, replaced).catch((error: unknown) => {
      deps.logger.warn({ err: error, callId }, 'could not revoke a replaced media token');
    });
  }

  const session = await deps.tokens.issueCall(principal);
  return {
    session: session.token,
    role: principal.role,
    call: {
      id: callId,
      meetingTypeName: loaded.meetingType.name,
      recordingPolicy: loaded.meetingType.recordingPolicy,
      accountRecordingOff: loaded.accountRecordingOff,
      media: loaded.meetingType.media,
    },
    admission: waits ? ('waiting' as const) : ('admitted' as const),
    media: mediaToken ? mediaGrant(deps, loaded.call, { id: link.participant.id, role: principal.role, mediaToken }) : null,
  };
}
