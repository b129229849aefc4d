import { JanusUnavailableError } from '../../../../media/janus/errors.js';
import { JanusPool, type JanusNodeConfig } from '../../../../media/janus/pool.js';
import { MediaUnavailableError, type MediaGateway } from '../../ports/media-gateway.js';

/**
 * The Janus pool behind the MediaGateway port: the only translation needed is
 * Janus' "unavailable" into the port's, which the HTTP layer maps to 503.
 */
export class JanusGateway implements MediaGateway {
  private readonly pool: JanusPool;

  constructor(nodes: JanusNodeConfig[]) {
    this.pool = new JanusPool({ nodes });
  }

  createRoom: MediaGateway['createRoom'] = (options) => this.guard(() => this.pool.createRoom(options));
  destroyRoom: MediaGateway['destroyRoom'] = (room) => this.guard(() => this.pool.destroyRoom(room));
  setRecording: MediaGateway['setRecording'] = (room, on) => this.guard(() => this.pool.setRecording(room, on));
  listParticipants: MediaGateway['listParticipants'] = (room) => this.guard(() => this.pool.listParticipants(room));
  restrictRoom: MediaGateway['restrictRoom'] = (room, tokens) => this.guard(() => this.pool.restrictRoom(room, tokens));
  allowInRoom: MediaGateway['allowInRoom'] = (room, token) => this.guard(() => this.pool.allowInRoom(room, token));
  kick: MediaGateway['kick'] = (room, participantId) => this.guard(() => this.pool.kick(room, participantId));
  addParticipantToken: MediaGateway['addParticipantToken'] = (nodeId, token) => this.guard(() => this.pool.addParticipantToken(nodeId, token));
  removeParticipantToken: MediaGateway['removeParticipantToken'] = (nodeId, token) =>
    this.guard(() => this.pool.removeParticipantToken(nodeId, token));
  browserUrl: MediaGateway['browserUrl'] = (nodeId) => this.pool.browserUrl(nodeId);
  health: MediaGateway['health'] = () => this.pool.health();
  close: MediaGateway['close'] = () => this.pool.close();

  private async guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof JanusUnavailableError) throw new MediaUnavailableError(error.message, { cause: error });
      throw error;
    }
  }
}
