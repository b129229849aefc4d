import { CIPHER_SUITE, KEY_BYTES, NONCE_BYTES, type FrameKey, type MediaKind } from './sframe';
import { SAFETY_WORDS } from './safety-words';

/**
 * Key agreement between the two browsers of a call: ephemeral ECDH P-256 pairs whose private
 * halves WebCrypto never lets out, and HKDF-SHA-256 from the shared secret to one frame key per
 * sender, media kind and key id. Layout and labels: ./FORMAT.md.
 */

export const PUBLIC_KEY_BYTES = 65;
export const SAFETY_CODE_WORDS = 5;

const ECDH = { name: 'ECDH', namedCurve: 'P-256' } as const;
const encoder = new TextEncoder();

export interface KeyPair {
  privateKey: CryptoKey;
  /** Uncompressed point (0x04 || X || Y), as it travels to the other browser. */
  publicKey: Uint8Array<ArrayBuffer>;
}

export async function generateKeyPair(): Promise<KeyPair> {
  const pair = await crypto.subtle.generateKey(ECDH, false, ['deriveKey', 'deriveBits']);
  return { privateKey: pair.privateKey, publicKey: new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey)) };
}

/** Refuses anything that is not a point on P-256 (WebCrypto checks the curve equation). */
export async function importPublicKey(raw: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  if (raw.length !== PUBLIC_KEY_BYTES || raw[0] !== 0x04) throw new Error('not an uncompressed P-256 public key');
  return crypto.subtle.importKey('raw', raw, ECDH, true, []);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
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

/** Both public keys in byte order, so the two ends build the same bytes whoever they are. */
function sortedPair(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  return compareBytes(a, b) <= 0 ? concat(a, b) : concat(b, a);
}

async function sha256(...parts: Uint8Array[]): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', concat(...parts)));
}

function uint64(value: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value));
  return out;
}

function uint16(value: number): Uint8Array {
  const out = new Uint8Array(2);
  new DataView(out.buffer).setUint16(0, value);
  return out;
}

/** Short, stable name for a public key in protocol messages (not a security boundary). */
export async function keyFingerprint(publicKey: Uint8Array): Promise<string> {
  return toBase64Url((await sha256(publicKey)).subarray(0, 16));
}

export interface Direction {
  /** Public key of the browser that encrypts with this key. */
  sender: Uint8Array;
  receiver: Uint8Array;
  kind: MediaKind;
  /** Key id the sender announces; part of the derivation, so a key id names one key only. */
  kid: number;
}

/**
 * The frame key for one direction. Both browsers derive it, each from its own private key and
 * the other's public key; the AES key is derived inside WebCrypto and cannot be exported.
 */
export async function deriveFrameKey(ownPrivateKey: CryptoKey, peerPublicKey: Uint8Array<ArrayBuffer>, direction: Direction): Promise<FrameKey> {
  const shared = await crypto.subtle.deriveKey(
    { name: 'ECDH', public: await importPublicKey(peerPublicKey) },
    ownPrivateKey,
    { name: 'HKDF' },
    false,
    ['deriveKey', 'deriveBits'],
  );
  const salt = await sha256(encoder.encode('parley-e2ee v1 transcript'), sortedPair(direction.sender, direction.receiver));
  const info = (purpose: string) =>
    concat(
      encoder.encode(`parley-e2ee v1 ${purpose}`),
      Uint8Array.of(0),
      encoder.encode(direction.kind),
      Uint8Array.of(0),
      direction.sender,
      direction.receiver,
      uint64(direction.kid),
      uint16(CIPHER_SUITE),
    );
  const key = await crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt, info: info('frame key') },
    shared,
    { name: 'AES-GCM', length: KEY_BYTES * 8 },
    false,
    ['encrypt', 'decrypt'],
  );
  const nonceSalt = new Uint8Array(
    await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info: info('frame salt') }, shared, NONCE_BYTES * 8),
  );
  return { kid: direction.kid, key, salt: nonceSalt };
}

/**
 * Words both people read aloud. They depend on both public keys and not on who is who, so the
 * two screens agree exactly when each browser holds the other's real key; a relay that swapped
 * keys shows each side a different code.
 */
export async function safetyCode(a: Uint8Array, b: Uint8Array): Promise<string[]> {
  const digest = await sha256(encoder.encode('parley-e2ee v1 safety code'), sortedPair(a, b));
  return [...digest.subarray(0, SAFETY_CODE_WORDS)].map((byte) => SAFETY_WORDS[byte]!);
}

export function toBase64Url(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[\w-]*$/.test(text)) throw new Error('not base64url');
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
