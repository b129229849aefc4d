import type { participants } from '../../db/schema/index.js';
import type { ServiceDeps } from '../deps.js';
import { roomOf } from './load-call.js';

/**
 * Destroys a finished call's room and revokes its participants' Janus tokens. Runs after the
 * state change has committed: if the media server is unreachable the call is still over for
 * us, and the room dies with the node.
 */
export async function teardownMedia(
  deps: Pick<ServiceDeps, 'media' | 'logger'>,
  call: { id: string; mediaNodeId: string; mediaRoomId: number; mediaRoomSecret: string; recordingActive: boolean },
  people: Pick<typeof participants.$inferSelect, 'mediaToken'>[],
): Promise<void> {
  const room = roomOf(call);
  try {
    if (call.recordingActive) await deps.media.setRecording(room, false);
    await deps.media.destroyRoom(room);
    await Promise.all(people.filter((p) => p.mediaToken).map((p) => deps.media.removeParticipantToken(call.mediaNodeId, p.mediaToken!)));
  } catch (error) {
    deps.logger.warn({ err: error, callId: call.id }, 'media teardown incomplete');
  }
}
