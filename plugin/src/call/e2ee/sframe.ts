/**
 * Per-frame encryption in the manner of SFrame (RFC 9605), cipher suite
 * AES_128_GCM_SHA256_128. The byte layout is specified in ./FORMAT.md; this file
 * is that specification in code, shared by the transform worker and the tests.
 */

export type MediaKind = 'audio' | 'video';

/** RFC 9605 §4.5: AES_128_GCM_SHA256_128. */
export const CIPHER_SUITE = 0x0004;
export const KEY_BYTES = 16;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
/** Counters and key ids stay exact JavaScript integers; 2^53 frames is ~285,000 years at 1,000 frames/s. */
export const MAX_COUNTER = Number.MAX_SAFE_INTEGER;

/** A frame key as both ends hold it: the AES key never leaves WebCrypto. */
export interface FrameKey {
  kid: number;
  key: CryptoKey;
  /** XORed with the counter to form the nonce. */
  salt: Uint8Array;
}

export interface FrameHeader {
  kid: number;
  ctr: number;
  /** Bytes the header takes in the frame. */
  length: number;
}

const VP8_KEY_FRAME_CLEAR = 10;
const VP8_DELTA_FRAME_CLEAR = 3;

/**
 * How many leading bytes of a frame stay readable. VP8 keeps its frame tag (3 bytes) and, on
 * key frames, the start code and dimensions (7 more), which the packetiser and Janus read to
 * tell key frames apart and size the stream; the P bit (bit 0 of byte 0, 0 = key frame) is
 * itself in the clear, so the receiver computes the same number. Audio and any other codec
 * keep nothing. A VP8 frame shorter than its own header is malformed and is not sealed.
 */
export function clearPrefixLength(kind: MediaKind, mimeType: string | undefined, data: Uint8Array): number {
  if (kind !== 'video' || mimeType?.toLowerCase() !== 'video/vp8' || data.length === 0) return 0;
  return (data[0]! & 0x01) === 0 ? VP8_KEY_FRAME_CLEAR : VP8_DELTA_FRAME_CLEAR;
}

/** Big-endian bytes of a non-negative integer, as few as it needs (at least one). */
function minimalBytes(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  do {
    bytes.unshift(rest % 256);
    rest = Math.floor(rest / 256);
  } while (rest > 0);
  return bytes;
}

function checkInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative safe integer`);
}

/** RFC 9605 §4.3: `X K K K Y C C C`, then the key id bytes (if X), then the counter bytes (if Y). */
export function encodeHeader(kid: number, ctr: number): Uint8Array {
  checkInteger('kid', kid);
  checkInteger('ctr', ctr);
  const out: number[] = [0];
  if (kid < 8) out[0]! |= kid << 4;
  else {
    const bytes = minimalBytes(kid);
    out[0]! |= 0x80 | ((bytes.length - 1) << 4);
    out.push(...bytes);
  }
  if (ctr < 8) out[0]! |= ctr;
  else {
    const bytes = minimalBytes(ctr);
    out[0]! |= 0x08 | (bytes.length - 1);
    out.push(...bytes);
  }
  return Uint8Array.from(out);
}

export function decodeHeader(data: Uint8Array, offset = 0): FrameHeader | null {
  const config = data[offset];
  if (config === undefined) return null;
  let at = offset + 1;
  const readInt = (length: number): number | null => {
    // Beyond 7 bytes the value would not be exact in a JavaScript number; we never write one.
    if (length > 7 || at + length > data.length) return null;
    let value = 0;
    for (let i = 0; i < length; i++) value = value * 256 + data[at + i]!;
    at += length;
    return value;
  };
  const kid = config & 0x80 ? readInt(((config >> 4) & 0x07) + 1) : (config >> 4) & 0x07;
  if (kid === null) return null;
  const ctr = config & 0x08 ? readInt((config & 0x07) + 1) : config & 0x07;
  if (ctr === null) return null;
  return { kid, ctr, length: at - offset };
}

/** RFC 9605 §4.4.3: the counter, big-endian in 12 bytes, XOR the salt. */
export function nonceFor(salt: Uint8Array, ctr: number): Uint8Array<ArrayBuffer> {
  checkInteger('ctr', ctr);
  const nonce = new Uint8Array(NONCE_BYTES);
  nonce.set(salt.subarray(0, NONCE_BYTES));
  let rest = ctr;
  for (let i = NONCE_BYTES - 1; i >= 0 && rest > 0; i--) {
    nonce[i]! ^= rest % 256;
    rest = Math.floor(rest / 256);
  }
  return nonce;
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Seals the frames of one sender under one key. The counter only ever grows, and a sealer
 * is never rebuilt for a key it has used, so no nonce repeats under a key.
 */
export class FrameSealer {
  private next = 0;

  constructor(readonly frameKey: FrameKey) {}

  /** Frames sealed so far; also the counter of the next one. */
  get sealed(): number {
    return this.next;
  }

  async seal(frame: Uint8Array, clearBytes: number): Promise<Uint8Array<ArrayBuffer>> {
    if (this.next >= MAX_COUNTER) throw new RangeError('frame counter exhausted: a new key is needed');
    if (frame.length < clearBytes) throw new RangeError('frame shorter than its clear codec header');
    const ctr = this.next++;
    const prefix = frame.subarray(0, clearBytes);
    const header = encodeHeader(this.frameKey.kid, ctr);
    const aad = concat(header, prefix);
    const ciphertext = new Uint8Array(
      await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv: nonceFor(this.frameKey.salt, ctr), additionalData: aad, tagLength: TAG_BYTES * 8 },
        this.frameKey.key,
        frame.slice(clearBytes),
      ),
    );
    return concat(prefix, header, ciphertext);
  }
}

/** The key id a sealed frame names, or null when the bytes cannot be one of our frames. */
export function frameKeyId(sealed: Uint8Array, clearBytes: number): number | null {
  return decodeHeader(sealed, clearBytes)?.kid ?? null;
}

/**
 * Opens a sealed frame; null when it is not one (tampered, wrong key, unknown key id, or a
 * plain frame that was never encrypted). Callers drop what they cannot open.
 */
export async function openFrame(
  sealed: Uint8Array,
  clearBytes: number,
  keyFor: (kid: number) => FrameKey | undefined,
): Promise<{ frame: Uint8Array<ArrayBuffer>; kid: number; ctr: number } | null> {
  const header = decodeHeader(sealed, clearBytes);
  if (!header) return null;
  const frameKey = keyFor(header.kid);
  const bodyAt = clearBytes + header.length;
  if (!frameKey || sealed.length < bodyAt + TAG_BYTES) return null;
  const prefix = sealed.subarray(0, clearBytes);
  const aad = concat(sealed.subarray(clearBytes, bodyAt), prefix);
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: nonceFor(frameKey.salt, header.ctr), additionalData: aad, tagLength: TAG_BYTES * 8 },
      frameKey.key,
      sealed.slice(bodyAt),
    );
    return { frame: concat(prefix, new Uint8Array(plain)), kid: header.kid, ctr: header.ctr };
  } catch {
    return null;
  }
}
