import { clearPrefixLength, FrameSealer, openFrame, type FrameKey, type MediaKind } from './sframe';

/** How many of the peer's key ids are kept: the current one and the one frames in flight may still use. */
const RECEIVE_KEYS_KEPT = 2;

/**
 * The keys one page encrypts and decrypts frames with, per media kind, and the rules that keep
 * them safe: nothing leaves without a key (frames are dropped instead), a key id is used for
 * sending once only (so a counter never starts again under a key), and frames that do not
 * open are dropped rather than played.
 */
export class FrameCryptor {
  private readonly sealers = new Map<MediaKind, FrameSealer>();
  /** Highest key id ever sent per kind, kept across clear(): key ids never go back. */
  private readonly highestSendKid = new Map<MediaKind, number>();
  private readonly receiveKeys = new Map<MediaKind, FrameKey[]>();

  setSendKey(kind: MediaKind, frameKey: FrameKey): void {
    const highest = this.highestSendKid.get(kind);
    if (highest !== undefined && frameKey.kid <= highest) {
      throw new Error(`key id ${frameKey.kid} for ${kind} is not newer than ${highest}: refusing to reuse a key id`);
    }
    this.highestSendKid.set(kind, frameKey.kid);
    this.sealers.set(kind, new FrameSealer(frameKey));
  }

  setReceiveKey(kind: MediaKind, frameKey: FrameKey): void {
    const kept = (this.receiveKeys.get(kind) ?? []).filter((k) => k.kid !== frameKey.kid);
    this.receiveKeys.set(kind, [frameKey, ...kept].slice(0, RECEIVE_KEYS_KEPT));
  }

  /** The other person left: nothing more is sent or played until new keys are agreed. */
  clear(): void {
    this.sealers.clear();
    this.receiveKeys.clear();
  }

  sendKid(kind: MediaKind): number | null {
    return this.sealers.get(kind)?.frameKey.kid ?? null;
  }

  /** The sealed frame, or null: drop it. */
  async encrypt(kind: MediaKind, mimeType: string | undefined, frame: Uint8Array): Promise<{ data: Uint8Array<ArrayBuffer>; kid: number } | null> {
    const sealer = this.sealers.get(kind);
    if (!sealer) return null;
    const clear = clearPrefixLength(kind, mimeType, frame);
    if (frame.length < clear) return null;
    return { data: await sealer.seal(frame, clear), kid: sealer.frameKey.kid };
  }

  /** The opened frame, or null: drop it. */
  async decrypt(kind: MediaKind, mimeType: string | undefined, sealed: Uint8Array): Promise<{ data: Uint8Array<ArrayBuffer>; kid: number } | null> {
    const keys = this.receiveKeys.get(kind);
    if (!keys) return null;
    const opened = await openFrame(sealed, clearPrefixLength(kind, mimeType, sealed), (kid) => keys.find((k) => k.kid === kid));
    return opened && { data: opened.frame, kid: opened.kid };
  }
}
