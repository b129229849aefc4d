import type {
  CreateRoomOptions,
  CreatedRoom,
  MediaGateway,
  MediaNodeHealth,
  RoomParticipant,
  RoomRef,
} from '../../backend/src/ports/media-gateway.js';
import { JanusUnavailableError } from './errors.js';
import { JanusNodeClient } from './node-client.js';
import { withTimeout } from './ws-link.js';

export interface JanusNodeConfig {
  id: string;
  wsUrl: string;
  adminUrl: string;
  /** HTTP transport URL handed to browsers (janus.js). */
  browserUrl: string;
  apiSecret: string;
  adminSecret: string;
  adminKey: string;
}

export interface JanusPoolOptions {
  nodes: JanusNodeConfig[];
  /** Budget for asking a node how many rooms it holds before picking one. */
  probeTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** How long a failed node stays out of rotation before it is asked again. */
  retryAfterMs?: number;
  /**
   * How long a node's room count stays good enough to place rooms by. Asking on
   * every room costs a `list` of all rooms, which grows with load; between asks the
   * pool counts its own creations, and other backends' rooms show up at the next ask.
   */
  countsMaxAgeMs?: number;
  now?: () => number;
}

interface NodeState {
  config: JanusNodeConfig;
  client: JanusNodeClient;
  healthy: boolean;
  retryAt: number;
  rooms: number;
  /** When `rooms` was last read from the node; 0 = never. */
  countedAt: number;
  /** The count request in flight: concurrent escalations wait for one answer instead of each asking. */
  probing?: Promise<NodeState | null>;
}

/**
 * Spreads rooms over Janus nodes. Holds only health hints: which room lives on which
 * node is returned to the caller (RoomRef.nodeId), so any backend instance can serve it.
 */
export class JanusPool implements MediaGateway {
  private readonly nodes: Map<string, NodeState>;
  private readonly probeTimeoutMs: number;
  private readonly retryAfterMs: number;
  private readonly countsMaxAgeMs: number;
  private readonly now: () => number;

  constructor(opts: JanusPoolOptions) {
    if (opts.nodes.length === 0) throw new Error('JanusPool needs at least one node');
    const ids = new Set(opts.nodes.map((n) => n.id));
    if (ids.size !== opts.nodes.length) throw new Error('JanusPool node ids must be unique');
    this.probeTimeoutMs = opts.probeTimeoutMs ?? 1000;
    this.retryAfterMs = opts.retryAfterMs ?? 3000;
    this.countsMaxAgeMs = opts.countsMaxAgeMs ?? 2000;
    this.now = opts.now ?? Date.now;
    this.nodes = new Map(
      opts.nodes.map((config) => [
        config.id,
        {
          config,
          client: new JanusNodeClient({ ...config, requestTimeoutMs: opts.requestTimeoutMs ?? 3000 }),
          healthy: true,
          retryAt: 0,
          rooms: 0,
          countedAt: 0,
        },
      ]),
    );
  }

  async createRoom(options: CreateRoomOptions): Promise<CreatedRoom> {
    const now = this.now();
    const inRotation = [...this.nodes.values()].filter((n) => n.healthy || n.retryAt <= now);
    const fresh = (n: NodeState) => n.healthy && n.countedAt > 0 && now - n.countedAt < this.countsMaxAgeMs;
    const probed = await Promise.all(inRotation.map((node) => (fresh(node) ? node : this.probe(node))));
    const ranked = shuffle(probed.filter((n): n is NodeState => n !== null)).sort((a, b) => a.rooms - b.rooms);
    for (const node of ranked) {
      try {
        const room = await node.client.createRoom(options);
        node.rooms += 1;
        return { nodeId: node.config.id, ...room };
      } catch (error) {
        if (!(error instanceof JanusUnavailableError)) throw error;
        this.markDown(node);
      }
    }
    throw new JanusUnavailableError(`no healthy Janus node (${this.nodes.size} configured)`);
  }

  async destroyRoom(room: RoomRef): Promise<void> {
    await this.onNode(room.nodeId, (c) => c.destroyRoom(room.roomId, room.secret));
    const node = this.state(room.nodeId);
    node.rooms = Math.max(0, node.rooms - 1);
  }

  setRecording(room: RoomRef, on: boolean): Promise<void> {
    return this.onNode(room.nodeId, (c) => c.setRecording(room.roomId, room.secret, on));
  }

  listParticipants(room: RoomRef): Promise<RoomParticipant[]> {
    return this.onNode(room.nodeId, (c) => c.listParticipants(room.roomId));
  }

  restrictRoom(room: RoomRef, tokens: string[]): Promise<void> {
    return this.onNode(room.nodeId, (c) => c.restrictRoom(room.roomId, room.secret, tokens));
  }

  allowInRoom(room: RoomRef, token: string): Promise<void> {
    return this.onNode(room.nodeId, (c) => c.allowInRoom(room.roomId, room.secret, token));
  }

  kick(room: RoomRef, participantId: number): Promise<void> {
    return this.onNode(room.nodeId, (c) => c.kick(room.roomId, room.secret, participantId));
  }

  addParticipantToken(nodeId: string, token: string): Promise<void> {
    return this.onNode(nodeId, (c) => c.addToken(token));
  }

  removeParticipantToken(nodeId: string, token: string): Promise<void> {
    return this.onNode(nodeId, (c) => c.removeToken(token));
  }

  browserUrl(nodeId: string): string {
    return this.state(nodeId).config.browserUrl;
  }

  /** Asks every node, including those out of rotation; `rooms` is 0 when unknown. */
  async health(): Promise<MediaNodeHealth[]> {
    const nodes = [...this.nodes.values()];
    await Promise.all(nodes.map((node) => this.probe(node)));
    return nodes.map((n) => ({ id: n.config.id, healthy: n.healthy, rooms: n.healthy ? n.rooms : 0 }));
  }

  async close(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((n) => n.client.close()));
  }

  private probe(node: NodeState): Promise<NodeState | null> {
    if (!node.probing) {
      const probing = this.readRoomCount(node);
      node.probing = probing;
      void probing.finally(() => {
        if (node.probing === probing) node.probing = undefined;
      });
    }
    return node.probing;
  }

  private async readRoomCount(node: NodeState): Promise<NodeState | null> {
    try {
      node.rooms = await withTimeout(node.client.countRooms(), this.probeTimeoutMs, node.config.wsUrl);
      node.countedAt = this.now();
      node.healthy = true;
      return node;
    } catch {
      // Any failure, including a refused secret, makes the node useless for new rooms.
      this.markDown(node);
      return null;
    }
  }

  private markDown(node: NodeState): void {
    node.healthy = false;
    node.retryAt = this.now() + this.retryAfterMs;
  }

  private async onNode<T>(nodeId: string, call: (client: JanusNodeClient) => Promise<T>): Promise<T> {
    const node = this.state(nodeId);
    try {
      return await call(node.client);
    } catch (error) {
      if (error instanceof JanusUnavailableError) {
        this.markDown(node);
        throw new JanusUnavailableError(error.message, { nodeId, cause: error });
      }
      throw error;
    }
  }

  private state(nodeId: string): NodeState {
    const node = this.nodes.get(nodeId);
    if (!node) throw new JanusUnavailableError(`unknown Janus node "${nodeId}"`, { nodeId });
    return node;
  }
}

/** Equal room counts are common (e.g. all idle): spread concurrent backends' picks. */
function shuffle<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}
