import type { ServiceDeps } from '../deps.js';
import { iceServersFor } from './ice-servers.js';

/**
 * What a participant's browser needs to enter the media room: the node, the room and its pin,
 * their own gateway token and ICE servers. Handed out only to a participant holding a token.
 */
export function mediaGrant(
  deps: ServiceDeps,
  call: { mediaNodeId: string; mediaRoomId: number; mediaRoomPin: string },
  participant: { id: string; role: 'agent' | 'customer' | 'supervisor'; mediaToken: string },
) {
  return {
    janusUrl: deps.media.browserUrl(call.mediaNodeId),
    roomId: call.mediaRoomId,
    pin: call.mediaRoomPin,
    janusToken: participant.mediaToken,
    iceServers: iceServersFor(deps.turn, participant.id),
    // The media server logs display names: give it the role, never a person's name.
    display: participant.role,
  };
}
export type MediaGrant = ReturnType<typeof mediaGrant>;
