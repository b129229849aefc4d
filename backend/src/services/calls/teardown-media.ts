import { and, eq, gt, inArray, isNull } from 'drizzle-orm';
import { calls, participants } from '../../db/schema/index.js';
import type { ServiceDeps } from '../deps.js';
import { roomOf } from './load-call.js';

type TeardownDeps = Pick<ServiceDeps, 'db' | 'media' | 'logger'>;
type FinishedCall = { id: string; mediaNodeId: string; mediaRoomId: number; mediaRoomSecret: string; recordingActive: boolean };

/** How long a finished call's teardown is retried; a node that stays away that long took its rooms with it. */
const RETRY_FOR_MS = 24 * 3_600_000;

/**
 * Destroys a finished call's room and revokes its participants' Janus tokens, then notes that it
 * did. Runs after the state change has committed: if the media server is unreachable the call is
 * still over for us, and `retryMediaRelease` tries again until it succeeds.
 */
export async function releaseCallMedia(
  deps: TeardownDeps,
  call: FinishedCall,
  /** The call's participants, when the caller has them already; read otherwise. */
  known?: Pick<typeof participants.$inferSelect, 'mediaToken'>[],
): Promise<boolean> {
  const room = roomOf(call);
  const people = known ?? (await deps.db.select({ mediaToken: participants.mediaToken }).from(participants).where(eq(participants.callId, call.id)));
  try {
    // Destroying the room stops its recording too; asking first only makes the stop explicit.
    if (call.recordingActive) await deps.media.setRecording(room, false).catch(() => undefined);
    await deps.media.destroyRoom(room);
    await Promise.all(people.filter((p) => p.mediaToken).map((p) => deps.media.removeParticipantToken(call.mediaNodeId, p.mediaToken!)));
  } catch (error) {
    deps.logger.warn({ err: error, callId: call.id }, 'media teardown incomplete; retried later');
    return false;
  }
  await deps.db.update(calls).set({ mediaReleasedAt: new Date() }).where(eq(calls.id, call.id));
  return true;
}

/** Finished calls whose room or tokens could not be released yet (a node was away): tried again. */
export async function retryMediaRelease(deps: TeardownDeps, now: Date = new Date()): Promise<number> {
  const pending = await deps.db
    .select()
    .from(calls)
    .where(and(inArray(calls.state, ['ended', 'failed']), isNull(calls.mediaReleasedAt), gt(calls.endedAt, new Date(now.getTime() - RETRY_FOR_MS))))
    .limit(100);
  let released = 0;
  for (const call of pending) if (await releaseCallMedia(deps, call)) released += 1;
  return released;
}
