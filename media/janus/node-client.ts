import { randomBytes, randomInt } from 'node:crypto';
import { JANUS_ERROR, JanusRequestError, JanusUnavailableError } from './errors.js';
import {
  openVideoroomLink,
  requestInfoOn,
  toJanusError,
  withTimeout,
  type JanusServerInfo,
  type VideoroomLink,
} from './ws-link.js';

export interface JanusNodeOptions {
  /** Backend signalling endpoint, e.g. ws://127.0.0.1:8188 */
  wsUrl: string;
  /** Admin API endpoint, e.g. http://127.0.0.1:7088/admin */
  adminUrl: string;
  apiSecret: string;
  adminSecret: string;
  /** VideoRoom admin_key from the plugin config. */
  adminKey: string;
  requestTimeoutMs?: number;
  /** Below Janus' session_timeout (60 s), so an idle link is never expired by Janus. */
  keepaliveMs?: number;
}

export interface NewRoom {
  roomId: number;
  pin: string;
  secret: string;
}

export interface CreateRoomRequest {
  recordingDir: string;
  publishers: number;
  /** Janus then refuses a publisher whose offer does not declare end-to-end encrypted media (433). */
  e2ee?: boolean;
}

export interface Participant {
  id: number;
  display?: string;
  publisher: boolean;
}

const ROOM_ID_RETRIES = 3;

/** One Janus node: reconnects lazily, and never lets a call wait longer than the request timeout. */
export class JanusNodeClient {
  private link: Promise<VideoroomLink> | null = null;
  private closed = false;
  private readonly timeoutMs: number;

  constructor(private readonly opts: JanusNodeOptions) {
    this.timeoutMs = opts.requestTimeoutMs ?? 3000;
  }

  async info(): Promise<JanusServerInfo> {
    const link = await this.currentLink();
    return this.guard(link, requestInfoOn(link.connection, this.opts.wsUrl, this.timeoutMs), 'info');
  }

  async createRoom(request: CreateRoomRequest): Promise<NewRoom> {
    // The caller creates rec_dir (owner-only) when recording starts; unrecorded rooms need none.
    for (let attempt = 1; ; attempt++) {
      const room = { roomId: randomRoomId(), pin: randomToken(12), secret: randomToken(24) };
      try {
        await this.videoroom('create', {
          room: room.roomId,
          pin: room.pin,
          secret: room.secret,
          admin_key: this.opts.adminKey,
          is_private: true,
          permanent: false,
          publishers: request.publishers,
          require_pvtid: true,
          // Both are needed: without the secret, any publisher could still toggle recording.
          lock_record: true,
          record: false,
          rec_dir: request.recordingDir,
          audiocodec: 'opus',
          videocodec: 'vp8',
          require_e2ee: request.e2ee === true,
        });
        return room;
      } catch (error) {
        const taken = error instanceof JanusRequestError && error.code === JANUS_ERROR.videoroomRoomExists;
        if (!taken || attempt >= ROOM_ID_RETRIES) throw error;
      }
    }
  }

  async destroyRoom(roomId: number, secret: string): Promise<void> {
    try {
      await this.videoroom('destroy', { room: roomId, secret, permanent: false });
    } catch (error) {
      if (error instanceof JanusRequestError && error.code === JANUS_ERROR.videoroomNoSuchRoom) return;
      throw error;
    }
  }

  async setRecording(roomId: number, secret: string, on: boolean): Promise<void> {
    await this.videoroom('enable_recording', { room: roomId, secret, record: on });
  }

  /**
   * Locks a room to the given participant tokens (the VideoRoom's token ACL): from then on a
   * join, as publisher or subscriber, must present one of them, whatever other token the node accepts.
   */
  async restrictRoom(roomId: number, secret: string, tokens: string[]): Promise<void> {
    await this.videoroom('allowed', { room: roomId, secret, action: 'add', allowed: tokens });
    await this.videoroom('allowed', { room: roomId, secret, action: 'enable' });
  }

  /** Lets one more token into a room, whether or not it is locked yet (see restrictRoom). */
  async allowInRoom(roomId: number, secret: string, token: string): Promise<void> {
    await this.videoroom('allowed', { room: roomId, secret, action: 'add', allowed: [token] });
  }

  /** Drops a participant from the room: Janus closes its publisher and subscriptions. */
  async kick(roomId: number, secret: string, participantId: number): Promise<void> {
    try {
      await this.videoroom('kick', { room: roomId, secret, id: participantId });
    } catch (error) {
      // Already gone: what the caller wanted.
      if (error instanceof JanusRequestError && error.code === JANUS_ERROR.videoroomNoSuchFeed) return;
      throw error;
    }
  }

  async listParticipants(roomId: number): Promise<Participant[]> {
    const data = await this.videoroom('listparticipants', { room: roomId });
    return parseParticipants(data.participants);
  }

  /** Janus 1.1.2 includes private rooms in `list` only when admin_key is given. */
  async countRooms(): Promise<number> {
    const data = await this.videoroom('list', { admin_key: this.opts.adminKey });
    if (!Array.isArray(data.list)) throw new JanusRequestError(0, 'list reply without list', 'list');
    return data.list.length;
  }

  async addToken(token: string): Promise<void> {
    await this.admin('add_token', { token, plugins: ['janus.plugin.videoroom'] });
  }

  /** Removing a token the node does not hold (already removed, or the node restarted) is not an error. */
  async removeToken(token: string): Promise<void> {
    try {
      await this.admin('remove_token', { token });
    } catch (error) {
      if (error instanceof JanusRequestError && error.code === JANUS_ERROR.tokenNotRemoved) return;
      throw error;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const link = this.link;
    this.link = null;
    if (link) await link.then((l) => l.close()).catch(() => undefined);
  }

  private async videoroom(request: string, fields: Record<string, unknown>): Promise<Record<string, unknown>> {
    const link = await this.currentLink();
    const reply = await this.guard(
      link,
      link.plugin.sendWithTransaction({ janus: 'message', body: { request, ...fields } }),
      request,
    );
    const data = reply.getPluginData();
    if (!data || typeof data !== 'object') throw new JanusRequestError(0, 'reply without plugin data', request);
    return data as Record<string, unknown>;
  }

  /** Races a request against the timeout and the link dropping; a dead link is discarded. */
  private async guard<T>(link: VideoroomLink, pending: PromiseLike<T>, request: string): Promise<T> {
    try {
      return await withTimeout(Promise.race([pending, link.lost]), this.timeoutMs, this.opts.wsUrl);
    } catch (error) {
      const mapped = toJanusError(error, this.opts.wsUrl, request);
      if (mapped instanceof JanusUnavailableError) this.dropLink(link);
      throw mapped;
    }
  }

  private currentLink(): Promise<VideoroomLink> {
    if (this.closed) return Promise.reject(new JanusUnavailableError('Janus node client is closed'));
    const existing = this.link;
    if (existing) {
      return existing.then((link) => {
        if (!link.isLost()) return link;
        this.dropLink(link);
        return this.currentLink();
      });
    }
    const opening = openVideoroomLink(this.opts.wsUrl, {
      apiSecret: this.opts.apiSecret,
      keepaliveMs: this.opts.keepaliveMs ?? 25_000,
      timeoutMs: this.timeoutMs,
    });
    this.link = opening;
    // A failed attempt must not stick: the next call tries again.
    opening.catch(() => {
      if (this.link === opening) this.link = null;
    });
    return opening;
  }

  private dropLink(link: VideoroomLink): void {
    void this.link?.then((current) => {
      if (current === link) this.link = null;
    }, () => undefined);
    void link.close();
  }

  private async admin(request: string, fields: Record<string, unknown>): Promise<void> {
    const body = { janus: request, transaction: randomToken(8), admin_secret: this.opts.adminSecret, ...fields };
    let reply: Response;
    try {
      reply = await fetch(this.opts.adminUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new JanusUnavailableError(`Janus Admin API at ${this.opts.adminUrl} is unreachable`, { cause: error });
    }
    const json = (await reply.json().catch(() => ({}))) as { janus?: string; error?: { code?: number; reason?: string } };
    if (json.janus !== 'success') {
      throw new JanusRequestError(json.error?.code ?? reply.status, json.error?.reason ?? 'no reason given', request);
    }
  }
}

/** Random positive integer below 2^53, so it survives JSON and JavaScript numbers intact. */
export function randomRoomId(): number {
  const high = randomInt(0, 2 ** 21);
  const low = randomInt(0, 2 ** 32);
  return high * 2 ** 32 + low || 1;
}

function randomToken(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

export function parseParticipants(raw: unknown): Participant[] {
  if (!Array.isArray(raw)) throw new JanusRequestError(0, 'listparticipants reply without participants', 'listparticipants');
  return raw.map((entry: Record<string, unknown>) => ({
    id: Number(entry.id),
    ...(typeof entry.display === 'string' ? { display: entry.display } : {}),
    publisher: entry.publisher === true,
  }));
}
