import { KeyExchange, type FrameKeys } from './key-exchange';
import type { MediaKind } from './sframe';
import type { FromWorker, ToWorker, TransformOptions } from './worker-protocol';

/**
 * End-to-end encryption of one participant's call: the transform worker on every sender and
 * receiver, the key exchange with the other browser, and the one answer the page shows, which
 * is "encrypted" only once every sender encrypts and every receiver decrypts under the keys
 * agreed with the person now in the call.
 */

export type E2eeMethod = 'script-transform' | 'encoded-streams';

interface EncodedStreams {
  readable: ReadableStream;
  writable: WritableStream;
}
type WithEncodedStreams<T> = T & { createEncodedStreams?: () => EncodedStreams };

/** Which way this browser can reach encoded frames, or null when it cannot encrypt a call end to end. */
export function detectE2eeSupport(): E2eeMethod | null {
  if (!globalThis.isSecureContext || !globalThis.crypto?.subtle || typeof Worker !== 'function') return null;
  if (typeof RTCRtpSender === 'undefined' || typeof RTCRtpReceiver === 'undefined') return null;
  if (typeof globalThis.RTCRtpScriptTransform === 'function' && 'transform' in RTCRtpSender.prototype) return 'script-transform';
  const sender = RTCRtpSender.prototype as WithEncodedStreams<RTCRtpSender>;
  const receiver = RTCRtpReceiver.prototype as WithEncodedStreams<RTCRtpReceiver>;
  if (typeof sender.createEncodedStreams === 'function' && typeof receiver.createEncodedStreams === 'function') return 'encoded-streams';
  return null;
}

export interface EncryptionState {
  active: boolean;
  /** Present once keys are agreed with the other person, whether or not frames flow yet. */
  safetyCode: string[] | null;
}

export interface MediaEncryptionEvents {
  state(state: EncryptionState): void;
  /** Encryption broke: the page must stop the call rather than carry on unprotected. */
  failed(message: string): void;
}

interface TransformState extends TransformOptions {
  ok: boolean;
  kid: number | null;
  /** Receivers stop counting once their track is gone. */
  live: boolean;
}

export class MediaEncryption {
  private readonly worker: Worker;
  private readonly exchange: KeyExchange;
  private readonly transforms = new Map<number, TransformState>();
  private readonly attached = new WeakMap<RTCRtpSender | RTCRtpReceiver, number>();
  private nextId = 1;
  private sendKid: number | null = null;
  private receiveKid: number | null = null;
  private code: string[] | null = null;
  private lastState = '';
  private closed = false;
  private sendToPeer: ((text: string) => void) | null = null;

  constructor(
    readonly method: E2eeMethod,
    private readonly events: MediaEncryptionEvents,
    options: { worker?: Worker } = {},
  ) {
    this.worker = options.worker ?? new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'call-encryption' });
    this.worker.onmessage = (event: MessageEvent<FromWorker>) => this.fromWorker(event.data);
    this.worker.onerror = () => this.fail('The encryption worker stopped.');
    this.exchange = new KeyExchange((text) => this.sendToPeer?.(text), {
      sendKeys: (keys) => this.installKeys('send-key', keys),
      receiveKeys: (keys) => this.installKeys('receive-key', keys),
      agreed: (code) => {
        this.code = code;
        this.publish();
      },
      reset: () => this.forgetKeys(),
    });
  }

  /** Runs before the sender can send anything: janus.js reports each local track right after adding it. */
  protectSender(sender: RTCRtpSender): void {
    const kind = sender.track?.kind;
    if (kind !== 'audio' && kind !== 'video') return;
    this.attach(sender, { side: 'send', kind });
  }

  /** Runs inside the peer connection's `track` event, before the first frame is decoded. */
  protectReceiver(receiver: RTCRtpReceiver): void {
    const kind = receiver.track.kind;
    if (kind !== 'audio' && kind !== 'video') return;
    const id = this.attached.get(receiver);
    const known = id === undefined ? undefined : this.transforms.get(id);
    if (known) {
      known.live = true;
      this.publish();
      return;
    }
    this.attach(receiver, { side: 'receive', kind });
  }

  /** The receiver's track ended: it no longer has to decrypt for the call to count as encrypted. */
  releaseReceiver(receiver: RTCRtpReceiver): void {
    const id = this.attached.get(receiver);
    const state = id === undefined ? undefined : this.transforms.get(id);
    if (!state) return;
    state.live = false;
    this.publish();
  }

  /** A (new) other participant is subscribed to; `send` reaches them through the media server. */
  peerJoined(send: (text: string) => void): void {
    if (this.closed) return;
    this.sendToPeer = send;
    void this.exchange.startWithPeer().catch((error: unknown) => this.fail(`Could not create encryption keys: ${String(error)}`));
  }

  peerMessage(text: string): void {
    if (this.closed) return;
    void this.exchange.receive(text).catch((error: unknown) => this.fail(`Could not agree encryption keys: ${String(error)}`));
  }

  peerLeft(): void {
    this.sendToPeer = null;
    this.exchange.peerLeft();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.exchange.stop();
    this.worker.terminate();
  }

  private attach(target: RTCRtpSender | RTCRtpReceiver, options: Omit<TransformOptions, 'id'>): void {
    if (this.attached.has(target)) return;
    const id = this.nextId++;
    const transform: TransformOptions = { id, ...options };
    if (this.method === 'script-transform') {
      target.transform = new RTCRtpScriptTransform(this.worker, transform);
    } else {
      const streams = (target as WithEncodedStreams<typeof target>).createEncodedStreams!();
      const message: ToWorker = { type: 'streams', transform, readable: streams.readable, writable: streams.writable };
      this.worker.postMessage(message, [streams.readable, streams.writable] as unknown as Transferable[]);
    }
    this.attached.set(target, id);
    this.transforms.set(id, { ...transform, ok: false, kid: null, live: true });
    this.publish();
  }

  private installKeys(type: 'send-key' | 'receive-key', keys: FrameKeys): void {
    for (const kind of Object.keys(keys) as MediaKind[]) {
      const message: ToWorker = { type, kind, frameKey: keys[kind] };
      this.worker.postMessage(message);
    }
    if (type === 'send-key') this.sendKid = keys.audio.kid;
    else this.receiveKid = keys.audio.kid;
    this.publish();
  }

  private forgetKeys(): void {
    this.worker.postMessage({ type: 'clear' } satisfies ToWorker);
    this.sendKid = null;
    this.receiveKid = null;
    this.code = null;
    this.publish();
  }

  private fromWorker(message: FromWorker): void {
    if (message.type === 'error') {
      this.fail(`Encryption failed: ${message.message}`);
      return;
    }
    const state = this.transforms.get(message.id);
    if (!state) return;
    state.ok = message.ok;
    state.kid = message.kid;
    this.publish();
  }

  /** Active means: keys agreed with this peer, and every live sender and receiver proved it works under them. */
  private isActive(): boolean {
    if (!this.code || this.sendKid === null || this.receiveKid === null) return false;
    const live = [...this.transforms.values()].filter((t) => t.side === 'send' || t.live);
    const senders = live.filter((t) => t.side === 'send');
    const receivers = live.filter((t) => t.side === 'receive');
    if (senders.length === 0 || receivers.length === 0) return false;
    return (
      senders.every((t) => t.ok && t.kid === this.sendKid) &&
      receivers.every((t) => t.ok && t.kid === this.receiveKid)
    );
  }

  private publish(): void {
    if (this.closed) return;
    const state: EncryptionState = { active: this.isActive(), safetyCode: this.code };
    const key = JSON.stringify(state);
    if (key === this.lastState) return;
    this.lastState = key;
    this.events.state(state);
  }

  private fail(message: string): void {
    if (this.closed) return;
    this.events.failed(message);
  }
}
