import Janus, { type JanusJS } from 'janus-gateway';
import adapter from 'webrtc-adapter';
import type { JoinResponse, MediaGrant } from '../api-types';
import { deviceProblem } from './device-problem';
import type { MediaEncryption } from './e2ee/media-encryption';
import { LocalizedError, type MessageKey } from './i18n';
import { watchOffline } from './offline-watch';

const VIDEOROOM = 'janus.plugin.videoroom';

export interface RoomEvents {
  /** We are a publisher in the room; media may not flow yet. */
  joined(): void;
  /** Our own media reached the gateway. Fires once. */
  published(): void;
  localTrack(track: MediaStreamTrack, on: boolean): void;
  remoteTrack(track: MediaStreamTrack, on: boolean): void;
  /** The link carrying the other participant's media is up, or it went away (they left). */
  remoteConnected(connected: boolean): void;
  /**
   * The call goes on, but the user should know something (e.g. camera missing). Words come as a
   * key of the call view's dictionary; `detail` is the browser's or gateway's own, untranslated.
   */
  warning(key: MessageKey, detail?: string): void;
  /** The connection to the gateway is gone; nothing more will happen. */
  failed(key: MessageKey, detail?: string): void;
  /** The room was destroyed by the server, which happens when the call ends. */
  roomClosed(): void;
  /** The agent took us out of the call. */
  removed(): void;
}

interface RemoteFeed {
  handle: JanusJS.PluginHandle | null;
  /** The feed left before its handle was attached: detach as soon as it is. */
  dropped: boolean;
  tracks: Set<MediaStreamTrack>;
}

interface Publisher {
  id?: unknown;
  display?: unknown;
}

/** VideoRoom error codes worth explaining in plain words. */
const PUBLISH_ERRORS: Partial<Record<number, MessageKey>> = {
  432: 'callFull',
  433: 'joinNotAllowed',
  426: 'callGone',
};

let initialised: Promise<void> | null = null;

function initJanus(): Promise<void> {
  initialised ??= new Promise<void>((resolve) => {
    Janus.init({ debug: false, dependencies: Janus.useDefaultDependencies({ adapter }), callback: () => resolve() });
  });
  return initialised;
}

/** The browser's or gateway's own words for a failure, shown after ours; none when it gave none. */
function errorText(error: unknown): string | undefined {
  if (typeof error === 'string') return error || undefined;
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === 'object' && error !== null && 'message' in error) return String(error.message);
  return undefined;
}

/**
 * One participant's presence in a Janus VideoRoom: publishes our camera and
 * microphone and subscribes to the other participant. The display name sent to
 * Janus is the role only, because the gateway logs it.
 */
export interface TransportSecurity {
  dtlsState: string;
  srtpCipher: string | null;
  tlsVersion: string | null;
}

export class JanusRoom {
  private janus: Janus | null = null;
  private publisher: JanusJS.PluginHandle | null = null;
  private privateId: number | undefined;
  private readonly feeds = new Map<number, RemoteFeed>();
  private hasPublished = false;
  private closed = false;
  /** Stops watching for the browser going offline (see watchOffline). */
  private stopWatchingOffline: (() => void) | undefined;

  /**
   * With `encryption`, every sender and receiver runs through it before media can flow, keys
   * travel over the publisher's data channel, and Janus is told the media is end-to-end
   * encrypted (`e2ee` in the SDP exchange), which rooms created with `require_e2ee` insist on.
   */
  constructor(
    private readonly media: MediaGrant,
    private readonly display: JoinResponse['role'],
    private readonly withVideo: boolean,
    private readonly events: RoomEvents,
    private readonly encryption: MediaEncryption | null = null,
  ) {}

  /** Resolves once the session exists; the room join continues through events. */
  async connect(): Promise<void> {
    if (!Janus.isWebrtcSupported()) throw new LocalizedError('webrtcUnsupported');
    await initJanus();
    const janus = await new Promise<Janus>((resolve, reject) => {
      let connected = false;
      const session: Janus = new Janus({
        server: this.media.janusUrl,
        token: this.media.janusToken,
        // Always an explicit list: janus.js would otherwise ask Google's public STUN server.
        iceServers: this.media.iceServers,
        success: () => {
          connected = true;
          resolve(session);
        },
        // janus.js reports transport failures in developer wording; the user needs the consequence.
        error: () => {
          if (!connected) reject(new LocalizedError('gatewayUnreachable'));
          else this.emit('failed', 'connectionLost');
        },
      });
    });
    if (this.closed) {
      // Left while the session was being created: do not leave it open on the gateway.
      janus.destroy({});
      return;
    }
    this.janus = janus;
    this.stopWatchingOffline = watchOffline(window, () => this.emit('failed', 'connectionLost'));
    this.attachPublisher();
  }

  /**
   * How our media leaves the browser, read from the peer connection's own statistics: DTLS
   * connected and an SRTP cipher negotiated, or null while there is no connection to ask.
   */
  async transportSecurity(): Promise<TransportSecurity | null> {
    const pc = this.publisher?.webrtcStuff.pc;
    if (!pc) return null;
    const stats = await pc.getStats();
    for (const report of stats.values() as IterableIterator<Record<string, unknown>>) {
      if (report.type !== 'transport') continue;
      return {
        dtlsState: String(report.dtlsState ?? 'unknown'),
        srtpCipher: typeof report.srtpCipher === 'string' ? report.srtpCipher : null,
        tlsVersion: typeof report.tlsVersion === 'string' ? report.tlsVersion : null,
      };
    }
    return null;
  }

  leave(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopWatchingOffline?.();
    this.encryption?.close();
    this.janus?.destroy({ cleanupHandles: true });
    this.janus = null;
    this.publisher = null;
    this.feeds.clear();
  }

  /** Every callback goes through here, so nothing reaches the page after leave(). */
  private emit<K extends keyof RoomEvents>(name: K, ...args: Parameters<RoomEvents[K]>): void {
    if (this.closed) return;
    (this.events[name] as (...a: Parameters<RoomEvents[K]>) => void)(...args);
  }

  private attachPublisher(): void {
    this.janus?.attach({
      plugin: VIDEOROOM,
      success: (handle) => {
        this.publisher = handle;
        handle.send({
          // The token is checked again by the room itself once it is locked to its participants.
          message: {
            request: 'join',
            ptype: 'publisher',
            room: this.media.roomId,
            pin: this.media.pin,
            token: this.media.janusToken,
            display: this.display,
          },
        });
      },
      error: (error) => this.emit('failed', 'openFailed', errorText(error)),
      webrtcState: (up) => {
        if (up && !this.hasPublished) {
          this.hasPublished = true;
          this.emit('published');
        }
      },
      iceState: (state) => {
        if (state === 'failed') this.emit('failed', 'iceFailed');
      },
      onlocaltrack: (track, on) => {
        if (on && !this.protectLocal(track)) return;
        this.emit('localTrack', track, on);
      },
      onmessage: (message, jsep) => this.onPublisherMessage(message, jsep),
    });
  }

  private onPublisherMessage(message: JanusJS.Message, jsep?: JanusJS.JSEP): void {
    if (this.closed) return;
    const kind = message.videoroom as string | undefined;
    if (kind === 'joined') {
      this.privateId = message.private_id as number;
      this.emit('joined');
      // A supervisor listens: never a camera or microphone, only the others' feeds.
      if (this.display !== 'supervisor') this.publish(this.withVideo);
      this.subscribeAll(message.publishers);
    } else if (kind === 'event') {
      if (message.error) {
        // Every request on this handle is ours (join, configure): failing one means we are not heard or seen.
        const known = PUBLISH_ERRORS[Number(message.error_code)];
        if (known) this.emit('failed', known);
        else this.emit('failed', 'joinFailed', errorText(message.error));
        return;
      }
      if (message.leaving === 'ok' && message.reason === 'kicked') {
        this.emit('removed');
        return;
      }
      this.subscribeAll(message.publishers);
      const gone = message.unpublished ?? message.leaving ?? message.kicked;
      if (typeof gone === 'number') this.drop(gone);
    } else if (kind === 'destroyed') {
      this.emit('roomClosed');
    }
    if (jsep) this.publisher?.handleRemoteJsep({ jsep });
  }

  private publish(withVideo: boolean): void {
    const handle = this.publisher;
    if (!handle) return;
    const tracks: JanusJS.TrackOption[] = [{ type: 'audio', capture: true, recv: false }];
    if (withVideo) tracks.push({ type: 'video', capture: true, recv: false });
    // The data channel carries the key exchange; Janus relays it to the other participant.
    if (this.encryption) tracks.push({ type: 'data', capture: false });
    handle.createOffer({
      tracks,
      externalEncryption: this.encryption !== null,
      success: (jsep) => handle.send({ message: { request: 'configure', audio: true, video: withVideo }, jsep }),
      error: (error) => {
        const problem = deviceProblem(error);
        if (withVideo) {
          // A blocked, busy or missing camera should not keep the customer out of the call.
          const key = problem === 'blocked' ? 'cameraBlocked' : problem === 'busy' ? 'cameraBusy' : 'cameraUnavailable';
          this.emit('warning', key, problem ? undefined : errorText(error));
          this.publish(false);
        } else if (problem) {
          this.emit('failed', problem === 'blocked' ? 'microphoneBlocked' : problem === 'busy' ? 'microphoneBusy' : 'microphoneMissing');
        } else {
          this.emit('failed', 'microphoneUnavailable', errorText(error));
        }
      },
    });
  }

  /**
   * janus.js reports a local track right after adding it to the peer connection, before the
   * offer: the sender gets its transform before a single frame can leave. If that fails the
   * call stops here instead of going on unencrypted.
   */
  private protectLocal(track: MediaStreamTrack): boolean {
    if (!this.encryption) return true;
    const sender = this.publisher?.webrtcStuff.pc?.getSenders().find((s) => s.track === track);
    try {
      if (!sender) throw new Error('no sender for the local track');
      this.encryption.protectSender(sender);
      return true;
    } catch (error) {
      // An ended track produces no frames, so nothing can leave unencrypted while the call stops.
      track.stop();
      this.emit('failed', 'e2eeSetupFailed', errorText(error));
      return false;
    }
  }

  /** The same for a track from the other participant, inside the peer connection's `track` event. */
  private protectRemote(handle: JanusJS.PluginHandle | null, track: MediaStreamTrack, on: boolean): boolean {
    if (!this.encryption) return true;
    const receiver = handle?.webrtcStuff.pc?.getReceivers().find((r) => r.track === track);
    if (!on) {
      if (receiver) this.encryption.releaseReceiver(receiver);
      return true;
    }
    try {
      if (!receiver) throw new Error('no receiver for the remote track');
      this.encryption.protectReceiver(receiver);
      return true;
    } catch (error) {
      this.emit('failed', 'e2eeSetupFailed', errorText(error));
      return false;
    }
  }

  private sendToPeer(text: string): void {
    this.publisher?.data({ text, error: () => {} });
  }

  /**
   * A call has two parties, so we watch exactly one feed: the newest one from
   * the other role. Older feeds of that role are what a reloaded or crashed tab
   * leaves behind until the gateway times it out, and they carry no media.
   */
  private subscribeAll(publishers: unknown): void {
    if (!Array.isArray(publishers)) return;
    const others = (publishers as Publisher[]).filter(
      (p): p is Publisher & { id: number } => typeof p.id === 'number' && p.display !== this.display,
    );
    const newest = others.at(-1);
    if (!newest || this.feeds.has(newest.id)) return;
    for (const feedId of [...this.feeds.keys()]) this.drop(feedId);
    this.subscribe(newest.id);
  }

  private subscribe(feedId: number): void {
    if (!this.janus) return;
    const feed: RemoteFeed = { handle: null, dropped: false, tracks: new Set() };
    this.feeds.set(feedId, feed);
    // A new person (or the same person back): new keys, never the previous participant's.
    this.encryption?.peerJoined((text) => this.sendToPeer(text));
    this.janus.attach({
      plugin: VIDEOROOM,
      success: (handle) => {
        feed.handle = handle;
        if (feed.dropped || this.closed) {
          handle.detach();
          return;
        }
        handle.send({
          message: {
            request: 'join',
            ptype: 'subscriber',
            room: this.media.roomId,
            pin: this.media.pin,
            token: this.media.janusToken,
            private_id: this.privateId,
            streams: [{ feed: feedId }],
          },
        });
      },
      error: (error) => this.emit('warning', 'receiveFailed', errorText(error)),
      webrtcState: (up) => {
        if (!feed.dropped) this.emit('remoteConnected', up);
      },
      onremotetrack: (track, _mid, on) => {
        if (feed.dropped) return;
        if (!this.protectRemote(feed.handle, track, on)) return;
        if (on) feed.tracks.add(track);
        else feed.tracks.delete(track);
        this.emit('remoteTrack', track, on);
      },
      onmessage: (message, jsep) => {
        if (message.error) this.emit('warning', 'receiveFailed', errorText(message.error));
        if (!jsep || !feed.handle) return;
        const handle = feed.handle;
        // Janus offers; we answer receive-only. Renegotiations ('updated') take the same path.
        handle.createAnswer({
          jsep,
          ...(this.encryption ? { tracks: [{ type: 'data', capture: false }], externalEncryption: true } : {}),
          success: (answer) => handle.send({ message: { request: 'start', room: this.media.roomId }, jsep: answer }),
          error: (error) => this.emit('warning', 'receiveFailed', errorText(error)),
        });
      },
      ondata: (data: unknown) => {
        if (!feed.dropped && typeof data === 'string') this.encryption?.peerMessage(data);
      },
    });
  }

  private drop(feedId: number): void {
    const feed = this.feeds.get(feedId);
    if (!feed) return;
    this.feeds.delete(feedId);
    feed.dropped = true;
    this.encryption?.peerLeft();
    // Closing a peer connection does not fire `ended` on its tracks: remove them ourselves.
    for (const track of feed.tracks) this.emit('remoteTrack', track, false);
    feed.tracks.clear();
    this.emit('remoteConnected', false);
    feed.handle?.detach();
  }
}
