import { Transform, type TransformCallback } from 'node:stream';
import { ByteQueue, openChunkPieces, sealChunk } from './chunks.js';
import { EncryptedMediaError } from './errors.js';
import {
  assertRecordingKey,
  createHeader,
  DEFAULT_CHUNK_SIZE,
  FIXED_HEADER_PREFIX,
  headerLengthFrom,
  parseHeader,
  TAG_LENGTH,
  verifyHeader,
  type EncryptedMediaHeader,
  type FileKeys,
} from './header.js';

export { EncryptedMediaError, type EncryptedMediaReason } from './errors.js';
export { DEFAULT_CHUNK_SIZE, readHeader, type EncryptedMediaHeader, type RandomAccessFile } from './header.js';
export { decryptRange, openEncryptedFile, type EncryptedFile } from './range.js';

export interface EncryptOptions {
  /** Plaintext bytes per chunk (1 KiB to 16 MiB). Default 256 KiB. */
  chunkSize?: number;
}

/**
 * Encrypts a byte stream into the format of media/FORMAT.md. The header is emitted at once, so
 * the first byte kept is already ciphertext; at most one chunk of plaintext is held, because a
 * chunk is sealed only when the next byte (or the end) tells whether it is the final one.
 */
export function encryptStream(key: Buffer, keyId: string, options: EncryptOptions = {}): Transform {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const { bytes, keys } = createHeader(key, keyId, chunkSize);
  const pending = new ByteQueue();
  let index = 0;

  const seal = (stream: Transform, final: boolean): void => {
    const sealed = sealChunk(keys, index, final, pending.takePieces(final ? pending.length : chunkSize));
    index += 1;
    for (const piece of sealed) stream.push(piece);
  };

  const stream = new Transform({
    transform(piece: Buffer, _encoding, done: TransformCallback) {
      try {
        pending.push(piece);
        while (pending.length > chunkSize) seal(this, false);
        done();
      } catch (error) {
        done(error as Error);
      }
    },
    flush(done: TransformCallback) {
      try {
        seal(this, true);
        done();
      } catch (error) {
        done(error as Error);
      }
    },
  });
  stream.push(bytes);
  return stream;
}

/** Supplies the recording key once the header names it; may fetch and unwrap it. */
export type RecordingKeyResolver = (header: EncryptedMediaHeader) => Buffer | Promise<Buffer>;

/**
 * Decrypts and verifies a stream written by `encryptStream`; errors with `EncryptedMediaError`.
 * Each chunk's plaintext is pushed only after its tag verifies, but a stream that fails late has
 * already delivered the verified chunks before it: consumers keep the output only when the
 * stream ends without error.
 */
export function decryptStream(key: Buffer | RecordingKeyResolver): Transform {
  if (typeof key !== 'function') assertRecordingKey(key);
  const pending = new ByteQueue();
  let header: EncryptedMediaHeader | undefined;
  let keys: FileKeys | undefined;
  let index = 0;

  const start = async (): Promise<boolean> => {
    if (keys) return true;
    const headerLength = headerLengthFrom(pending.peek(Math.min(pending.length, FIXED_HEADER_PREFIX)));
    if (headerLength === null || pending.length < headerLength) return false;
    const bytes = pending.take(headerLength);
    header = parseHeader(bytes);
    const recordingKey = typeof key === 'function' ? await key(header) : key;
    assertRecordingKey(recordingKey);
    keys = verifyHeader(recordingKey, bytes, header);
    return true;
  };

  const open = (stream: Transform, final: boolean, stored: number): void => {
    const body = pending.takePieces(stored - TAG_LENGTH);
    for (const piece of openChunkPieces(keys!, index, final, body, pending.take(TAG_LENGTH))) stream.push(piece);
    index += 1;
  };

  const openReady = (stream: Transform): void => {
    const stored = header!.chunkSize + TAG_LENGTH;
    // A chunk is non-final only when bytes follow it.
    while (pending.length > stored) open(stream, false, stored);
  };

  return new Transform({
    transform(piece: Buffer, _encoding, done: TransformCallback) {
      pending.push(piece);
      if (!keys) {
        start().then((ready) => (ready ? openReady(this) : undefined)).then(() => done(), done);
        return;
      }
      // Past the header everything is synchronous: no promise per piece.
      try {
        openReady(this);
        done();
      } catch (error) {
        done(error as Error);
      }
    },
    flush(done: TransformCallback) {
      start()
        .then((ready) => {
          if (!ready) throw new EncryptedMediaError('TRUNCATED', 'the file ends inside its header');
          if (pending.length === 0) {
            throw new EncryptedMediaError('TRUNCATED', 'the file ends before its final chunk', index);
          }
          if (pending.length < TAG_LENGTH) {
            throw new EncryptedMediaError('TRUNCATED', 'the file ends inside a chunk tag', index);
          }
          open(this, true, pending.length);
        })
        .then(() => done(), done);
    },
  });
}
