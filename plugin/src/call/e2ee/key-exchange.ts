import { deriveFrameKey, fromBase64Url, generateKeyPair, importPublicKey, keyFingerprint, safetyCode, toBase64Url, PUBLIC_KEY_BYTES, type KeyPair } from './keys';
import type { FrameKey, MediaKind } from './sframe';

/**
 * Agrees frame keys with the other browser over a channel the server only relays (the media
 * server's data channel). Each side announces its public key and acknowledges the other's; a
 * side that has not seen its own key acknowledged says so and is answered, and repeats itself
 * until it is, because messages sent before the other side subscribed are lost.
 *
 * Message (JSON): `{ v: 1, type: "parley-e2ee-key", pub, kid, ack, done }` — `pub` our public
 * key (base64url), `ack` the fingerprint of the peer key we hold, `kid` the key id we encrypt
 * with under that pair, `done` whether we hold keys for both directions.
 */

export const MESSAGE_TYPE = 'parley-e2ee-key';
const KINDS: readonly MediaKind[] = ['audio', 'video'];

export interface KeyMessage {
  v: 1;
  type: typeof MESSAGE_TYPE;
  pub: string;
  kid: number | null;
  ack: string | null;
  done: boolean;
}

export type FrameKeys = Record<MediaKind, FrameKey>;

export interface KeyExchangeEvents {
  /** New keys to encrypt our frames with, each under a key id never used before. */
  sendKeys(keys: FrameKeys): void;
  /** Keys the peer encrypts with, for the key id it announced for our current public key. */
  receiveKeys(keys: FrameKeys): void;
  /** Both directions are keyed: the code both people should see. */
  agreed(code: string[]): void;
  /** Keys are gone (the peer left or a new exchange began): nothing may be sent or played. */
  reset(): void;
}

export interface KeyExchangeOptions {
  /**
   * How often an unfinished exchange repeats itself (default 50 ms). Messages sent before the
   * other side has subscribed are lost, and media waits for the exchange: the interval is what
   * the first encrypted frame waits at worst, for a few small messages a second until done.
   */
  resendMs?: number;
}

/** Parses a peer message; anything else on the channel is ignored. */
export function parseKeyMessage(text: string): KeyMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const m = value as Record<string, unknown>;
  const isKid = (kid: unknown) => kid === null || (Number.isSafeInteger(kid) && (kid as number) >= 0);
  const isText = (s: unknown, max: number) => typeof s === 'string' && s.length <= max && /^[\w-]+$/.test(s);
  if (m.v !== 1 || m.type !== MESSAGE_TYPE || !isText(m.pub, 100) || !isKid(m.kid) || typeof m.done !== 'boolean') return null;
  if (m.ack !== null && !isText(m.ack, 43)) return null;
  return { v: 1, type: MESSAGE_TYPE, pub: m.pub as string, kid: m.kid as number | null, ack: m.ack as string | null, done: m.done };
}

interface PeerState {
  pub: Uint8Array<ArrayBuffer>;
  text: string;
  fingerprint: string;
  /** Key id the peer encrypts with for our current public key; null until it told us. */
  kid: number | null;
}

export class KeyExchange {
  private own: (KeyPair & { text: string; fingerprint: string }) | null = null;
  private peer: PeerState | null = null;
  /** Our key ids only grow, for the life of the page. */
  private lastKid = -1;
  private sendKid: number | null = null;
  /** Bumped whenever a new exchange starts or stops, so late async results are dropped. */
  private generation = 0;
  private queue: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly resendMs: number;

  constructor(
    private readonly send: (text: string) => void,
    private readonly events: KeyExchangeEvents,
    options: KeyExchangeOptions = {},
  ) {
    this.resendMs = options.resendMs ?? 50;
  }

  /** A (new) other participant: fresh key pair, forget everything about the previous one. */
  startWithPeer(): Promise<void> {
    const generation = this.reset();
    return this.enqueue(async () => {
      const pair = await generateKeyPair();
      if (generation !== this.generation) return;
      this.own = { ...pair, text: toBase64Url(pair.publicKey), fingerprint: await keyFingerprint(pair.publicKey) };
      if (generation !== this.generation) return;
      this.announce();
      this.repeatUntilDone();
    });
  }

  peerLeft(): void {
    this.reset();
  }

  receive(text: string): Promise<void> {
    const message = parseKeyMessage(text);
    if (!message) return Promise.resolve();
    const generation = this.generation;
    return this.enqueue(async () => {
      if (generation === this.generation) await this.handle(message, generation);
    });
  }

  stop(): void {
    this.reset();
    this.own = null;
  }

  /** Whether we hold keys for both directions. */
  isDone(): boolean {
    return this.peer !== null && this.peer.kid !== null && this.sendKid !== null;
  }

  private async handle(message: KeyMessage, generation: number): Promise<void> {
    const own = this.own;
    if (!own) return;
    let changed = false;
    if (message.pub !== this.peer?.text) {
      let pub: Uint8Array<ArrayBuffer>;
      try {
        pub = fromBase64Url(message.pub);
        if (pub.length !== PUBLIC_KEY_BYTES) return;
        await importPublicKey(pub);
      } catch {
        return;
      }
      const kid = ++this.lastKid;
      const keys = await this.derive(own, pub, (kind) => ({ sender: own.publicKey, receiver: pub, kind, kid }));
      if (generation !== this.generation) return;
      this.peer = { pub, text: message.pub, fingerprint: await keyFingerprint(pub), kid: null };
      this.sendKid = kid;
      this.events.sendKeys(keys);
      changed = true;
    }
    const peer = this.peer!;
    if (message.ack === own.fingerprint && message.kid !== null && message.kid !== peer.kid) {
      const kid = message.kid;
      const keys = await this.derive(own, peer.pub, (kind) => ({ sender: peer.pub, receiver: own.publicKey, kind, kid }));
      if (generation !== this.generation || this.peer !== peer) return;
      peer.kid = kid;
      this.events.receiveKeys(keys);
      changed = true;
    }
    if (changed && this.isDone()) {
      const code = await safetyCode(own.publicKey, peer.pub);
      if (generation !== this.generation || this.peer !== peer) return;
      this.events.agreed(code);
    }
    if (changed || message.ack !== own.fingerprint || !message.done) this.announce();
    this.repeatUntilDone();
  }

  private async derive(own: KeyPair, peerPub: Uint8Array<ArrayBuffer>, direction: (kind: MediaKind) => Parameters<typeof deriveFrameKey>[2]): Promise<FrameKeys> {
    const [audio, video] = await Promise.all(KINDS.map((kind) => deriveFrameKey(own.privateKey, peerPub, direction(kind))));
    return { audio: audio!, video: video! };
  }

  private announce(): void {
    if (!this.own) return;
    const message: KeyMessage = {
      v: 1,
      type: MESSAGE_TYPE,
      pub: this.own.text,
      kid: this.peer ? this.sendKid : null,
      ack: this.peer?.fingerprint ?? null,
      done: this.isDone(),
    };
    this.send(JSON.stringify(message));
  }

  private reset(): number {
    this.stopTimer();
    const hadKeys = this.peer !== null || this.sendKid !== null;
    this.peer = null;
    this.sendKid = null;
    this.own = null;
    this.generation += 1;
    if (hadKeys) this.events.reset();
    return this.generation;
  }

  private repeatUntilDone(): void {
    if (this.timer || this.isDone()) return;
    this.timer = setInterval(() => {
      if (this.isDone()) this.stopTimer();
      else this.announce();
    }, this.resendMs);
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => {});
    return next;
  }
}
