import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { EncryptedMediaError } from './errors.js';

// Byte layout: media/FORMAT.md. Every number is big-endian.
export const MAGIC = Buffer.from('PRLYENC', 'ascii');
export const FORMAT_VERSION = 1;
export const KEY_LENGTH = 32;
export const TAG_LENGTH = 16;
export const NONCE_PREFIX_LENGTH = 4;
export const FILE_ID_LENGTH = 16;
export const KEY_CHECK_LENGTH = 16;
export const HEADER_MAC_LENGTH = 32;
/**
 * 256 KiB: node:crypto pays a fixed cost per cipher and per output buffer, so larger chunks encrypt
 * faster (64 KiB ran at about two thirds of this speed); a playback range still opens at most a
 * quarter MiB more than it asks for.
 */
export const DEFAULT_CHUNK_SIZE = 256 * 1024;
export const MIN_CHUNK_SIZE = 1024;
export const MAX_CHUNK_SIZE = 16 * 1024 * 1024;
/** Keeps each content key within SP 800-38D's 2^32 invocations even read as the random-IV bound. */
export const MAX_CHUNKS = 2 ** 32;

/** Header bytes before the key id: magic, version, chunk size, nonce prefix, file id, key id length. */
export const FIXED_HEADER_PREFIX = 33;
const KEY_ID_OFFSET = FIXED_HEADER_PREFIX;
export const MAX_KEY_ID_LENGTH = 255;
export const MAX_HEADER_LENGTH = KEY_ID_OFFSET + MAX_KEY_ID_LENGTH + KEY_CHECK_LENGTH + HEADER_MAC_LENGTH;
const KEY_ID_PATTERN = /^[\x21-\x7e]{1,255}$/;

const INFO_KEY_CHECK = Buffer.from('parley recording v1 key check');
const INFO_CONTENT = Buffer.from('parley recording v1 content key');
const INFO_HEADER_MAC = Buffer.from('parley recording v1 header mac');

export interface EncryptedMediaHeader {
  version: number;
  /** Plaintext bytes per chunk; every chunk but the last holds exactly this many. */
  chunkSize: number;
  /** Names the recording key, so a reader can fetch and unwrap it. */
  keyId: string;
  noncePrefix: Buffer;
  fileId: Buffer;
  headerLength: number;
}

/** Per-file secrets derived from the recording key; the header bytes they authenticate. */
export interface FileKeys {
  contentKey: Buffer;
  noncePrefix: Buffer;
  /** SHA-256 of the whole header, bound into every chunk's AAD. */
  headerDigest: Buffer;
}

export function assertRecordingKey(key: Buffer): void {
  if (!Buffer.isBuffer(key) || key.length !== KEY_LENGTH) throw new TypeError(`recording key must be ${KEY_LENGTH} bytes`);
}

export function assertKeyId(keyId: string): void {
  if (!KEY_ID_PATTERN.test(keyId)) throw new TypeError('key id must be 1-255 visible ASCII characters');
}

export function assertChunkSize(chunkSize: number): void {
  if (!Number.isInteger(chunkSize) || chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
    throw new RangeError(`chunk size must be an integer from ${MIN_CHUNK_SIZE} to ${MAX_CHUNK_SIZE}`);
  }
}

function hkdf(key: Buffer, salt: Buffer, info: Buffer, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', key, salt, info, length));
}

/** File-independent, so an altered file id reads as tampering rather than as a wrong key. */
function keyCheck(key: Buffer): Buffer {
  return hkdf(key, Buffer.alloc(0), INFO_KEY_CHECK, KEY_CHECK_LENGTH);
}

function headerMac(key: Buffer, fileId: Buffer, signed: Buffer): Buffer {
  return createHmac('sha256', hkdf(key, fileId, INFO_HEADER_MAC, 32)).update(signed).digest();
}

function fileKeys(key: Buffer, header: Buffer, noncePrefix: Buffer, fileId: Buffer): FileKeys {
  return {
    // A fresh content key per file: nonces cannot collide across files even if a recording key is reused.
    contentKey: hkdf(key, fileId, INFO_CONTENT, KEY_LENGTH),
    noncePrefix,
    headerDigest: createHash('sha256').update(header).digest(),
  };
}

export function createHeader(key: Buffer, keyId: string, chunkSize: number): { bytes: Buffer; keys: FileKeys } {
  assertRecordingKey(key);
  assertKeyId(keyId);
  assertChunkSize(chunkSize);
  const id = Buffer.from(keyId, 'ascii');
  const noncePrefix = randomBytes(NONCE_PREFIX_LENGTH);
  const fileId = randomBytes(FILE_ID_LENGTH);
  const fixed = Buffer.alloc(KEY_ID_OFFSET);
  MAGIC.copy(fixed, 0);
  fixed.writeUInt8(FORMAT_VERSION, 7);
  fixed.writeUInt32BE(chunkSize, 8);
  noncePrefix.copy(fixed, 12);
  fileId.copy(fixed, 16);
  fixed.writeUInt8(id.length, 32);
  const signed = Buffer.concat([fixed, id, keyCheck(key)]);
  const bytes = Buffer.concat([signed, headerMac(key, fileId, signed)]);
  return { bytes, keys: fileKeys(key, bytes, noncePrefix, fileId) };
}

/**
 * Total header length once the first 33 bytes are known, or null while fewer are available.
 * Throws BAD_HEADER as soon as the bytes seen cannot start a Parley encrypted recording.
 */
export function headerLengthFrom(prefix: Buffer): number | null {
  const magicSeen = Math.min(prefix.length, MAGIC.length);
  if (!prefix.subarray(0, magicSeen).equals(MAGIC.subarray(0, magicSeen))) {
    throw new EncryptedMediaError('BAD_HEADER', 'not a Parley encrypted recording');
  }
  if (prefix.length > 7 && prefix[7] !== FORMAT_VERSION) {
    throw new EncryptedMediaError('BAD_HEADER', `unsupported format version ${String(prefix[7])}`);
  }
  if (prefix.length < KEY_ID_OFFSET) return null;
  const keyIdLength = prefix.readUInt8(32);
  if (keyIdLength === 0) throw new EncryptedMediaError('BAD_HEADER', 'empty key id');
  return KEY_ID_OFFSET + keyIdLength + KEY_CHECK_LENGTH + HEADER_MAC_LENGTH;
}

/** Parses header fields without a key. Nothing here is authenticated until `verifyHeader`. */
export function parseHeader(bytes: Buffer): EncryptedMediaHeader {
  const headerLength = headerLengthFrom(bytes);
  if (headerLength === null || bytes.length < headerLength) {
    throw new EncryptedMediaError('TRUNCATED', 'the file ends inside its header');
  }
  const chunkSize = bytes.readUInt32BE(8);
  if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
    throw new EncryptedMediaError('BAD_HEADER', `chunk size ${chunkSize} out of range`);
  }
  const keyId = bytes.subarray(KEY_ID_OFFSET, KEY_ID_OFFSET + bytes.readUInt8(32)).toString('latin1');
  if (!KEY_ID_PATTERN.test(keyId)) throw new EncryptedMediaError('BAD_HEADER', 'key id is not visible ASCII');
  return {
    version: FORMAT_VERSION,
    chunkSize,
    keyId,
    noncePrefix: Buffer.from(bytes.subarray(12, 16)),
    fileId: Buffer.from(bytes.subarray(16, 32)),
    headerLength,
  };
}

/** Checks the key against the header, then the header against its MAC; derives the file's keys. */
export function verifyHeader(key: Buffer, bytes: Buffer, header: EncryptedMediaHeader): FileKeys {
  assertRecordingKey(key);
  const whole = bytes.subarray(0, header.headerLength);
  const checkAt = header.headerLength - HEADER_MAC_LENGTH - KEY_CHECK_LENGTH;
  const macAt = header.headerLength - HEADER_MAC_LENGTH;
  if (!timingSafeEqual(keyCheck(key), whole.subarray(checkAt, macAt))) {
    throw new EncryptedMediaError('WRONG_KEY', `the key offered is not the key of "${header.keyId}"`);
  }
  if (!timingSafeEqual(headerMac(key, header.fileId, whole.subarray(0, macAt)), whole.subarray(macAt))) {
    throw new EncryptedMediaError('TAMPERED', 'the header fails authentication');
  }
  return fileKeys(key, whole, header.noncePrefix, header.fileId);
}

/** The byte access `readHeader` and range reads need; a Node `FileHandle` has it. */
export interface RandomAccessFile {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  stat(): Promise<{ size: number }>;
}

/** Reads until `length` bytes or end of file; returns what was there. */
export async function readAt(file: RandomAccessFile, position: number, length: number): Promise<Buffer> {
  return readInto(file, Buffer.allocUnsafe(length), position, length);
}

/** `readAt` into the start of a buffer the caller owns; returns the filled part of it. */
export async function readInto(file: RandomAccessFile, buffer: Buffer, position: number, length: number): Promise<Buffer> {
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await file.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/** Header bytes and fields of an encrypted recording, in one read. Unauthenticated: use it to find the key. */
export async function readHeaderBytes(file: RandomAccessFile): Promise<{ bytes: Buffer; header: EncryptedMediaHeader }> {
  const bytes = await readAt(file, 0, MAX_HEADER_LENGTH);
  const header = parseHeader(bytes);
  return { bytes: bytes.subarray(0, header.headerLength), header };
}

export async function readHeader(file: RandomAccessFile): Promise<EncryptedMediaHeader> {
  return (await readHeaderBytes(file)).header;
}
