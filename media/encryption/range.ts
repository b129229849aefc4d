import { Readable } from 'node:stream';
import { chunkOpensAs, chunkSpan, layoutFor, openChunk, type ChunkLayout } from './chunks.js';
import { EncryptedMediaError } from './errors.js';
import {
  assertRecordingKey,
  readAt,
  readHeaderBytes,
  readInto,
  TAG_LENGTH,
  verifyHeader,
  type EncryptedMediaHeader,
  type FileKeys,
  type RandomAccessFile,
} from './header.js';

/** Bytes read at once when a range spans many chunks: one read of about 1 MiB instead of many small ones. */
const READ_BYTES = 1024 * 1024;

/**
 * Read buffers, reused from one range read to the next, so that serving a range allocates only the
 * plaintext it returns: every fresh buffer is memory the garbage collector must reclaim, and under
 * a stream of range requests those collections were the slowest requests' delay. They only ever
 * hold ciphertext. A buffer holds one read of up to `READ_BYTES` rounded to whole chunks (at most
 * half a chunk over, so 1.5 × `READ_BYTES` for the chunk sizes that need a pool); a larger read,
 * from a file with chunks over 1 MiB, gets a buffer of its own.
 */
const POOLED_BYTES = READ_BYTES + READ_BYTES / 2;
const POOLED_KEPT = 4;
const freeReadBuffers: Buffer[] = [];

function takeReadBuffer(length: number): Buffer {
  if (length > POOLED_BYTES) return Buffer.allocUnsafe(length);
  return freeReadBuffers.pop() ?? Buffer.allocUnsafe(POOLED_BYTES);
}

function giveReadBuffer(buffer: Buffer): void {
  if (buffer.length === POOLED_BYTES && freeReadBuffers.length < POOLED_KEPT) freeReadBuffers.push(buffer);
}

/**
 * Files whose final chunk has verified at a given size, by file id; the oldest are forgotten
 * first. Opening such a file again at the same size skips reading and decrypting its final chunk
 * (a video player sends many range requests for one recording). Sound because the file id is
 * random per file and authenticated by the header MAC before it is looked up here: the same id
 * and size mean the file ends where it did when it was verified. A file cut or grown since has
 * another size and is verified afresh; a final chunk altered since fails its tag when a range
 * reads it. Holds no key and no plaintext, only ids that are in the headers anyway.
 */
const verifiedEnds = new Map<string, number>();
const VERIFIED_ENDS_KEPT = 4096;

function rememberVerifiedEnd(fileId: string, size: number): void {
  verifiedEnds.delete(fileId);
  verifiedEnds.set(fileId, size);
  if (verifiedEnds.size > VERIFIED_ENDS_KEPT) verifiedEnds.delete(verifiedEnds.keys().next().value!);
}

/** A verified encrypted recording opened for random access (HTTP Range playback). */
export interface EncryptedFile {
  readonly header: EncryptedMediaHeader;
  /** Authenticated: the final chunk was verified when the file was opened. */
  readonly plaintextLength: number;
  readonly chunkCount: number;
  /** Plaintext bytes start..endInclusive as one Buffer; for small ranges. */
  read(start: number, endInclusive: number): Promise<Buffer>;
  /** The same bytes as a stream that holds one chunk at a time; for ranges of any size. */
  stream(start: number, endInclusive: number): Readable;
}

/**
 * Reads the header, checks the key and verifies the final chunk, so a wrong key, a tampered header
 * or a truncated file fail here, before any byte is served. Costs two reads; each range read after
 * it costs one read per chunk the range touches.
 */
export async function openEncryptedFile(
  file: RandomAccessFile,
  key: Buffer | ((header: EncryptedMediaHeader) => Buffer | Promise<Buffer>),
): Promise<EncryptedFile> {
  const { bytes, header } = await readHeaderBytes(file);
  const recordingKey = typeof key === 'function' ? await key(header) : key;
  assertRecordingKey(recordingKey);
  const keys = verifyHeader(recordingKey, bytes, header);
  const size = (await file.stat()).size;
  const layout = layoutFor(header.headerLength, header.chunkSize, size);
  const lastIndex = layout.chunkCount - 1;
  if (layout.fragment > 0) throw await explainFragment(file, keys, layout);
  const fileId = header.fileId.toString('hex');
  let lastPlaintext: Promise<Buffer> | undefined;
  const finalChunk = () => (lastPlaintext ??= readChunk(file, keys, layout, lastIndex));
  if (verifiedEnds.get(fileId) !== size) {
    await finalChunk();
    rememberVerifiedEnd(fileId, size);
  }

  /** Stored chunks from..to (never the last one) in one read, into a pooled buffer. */
  const readStored = (from: number, to: number) => {
    const first = chunkSpan(layout, from);
    const end = chunkSpan(layout, to);
    const length = end.position + end.length - first.position;
    const buffer = takeReadBuffer(length);
    const bytes = readInto(file, buffer, first.position, length);
    // Back to the pool once the read has finished with it, however the range ended.
    const release = () => void bytes.then(() => giveReadBuffer(buffer), () => giveReadBuffer(buffer));
    return { bytes, release };
  };

  async function* slices(start: number, endInclusive: number): AsyncGenerator<Buffer> {
    const first = Math.floor(start / layout.chunkSize);
    const last = Math.floor(endInclusive / layout.chunkSize);
    const stored = layout.chunkSize + TAG_LENGTH;
    const lastStored = Math.min(last, lastIndex - 1);
    // Chunks are read about READ_BYTES at a time, the next read started before this one's chunks are opened.
    const chunksPerRead = Math.max(1, Math.round(READ_BYTES / stored));
    const blockFrom = (from: number) => {
      const to = Math.min(from + chunksPerRead - 1, lastStored);
      const { bytes, release } = readStored(from, to);
      bytes.catch(() => undefined); // a read nobody waits for any more (the stream was closed) must not go unhandled
      return { from, to, bytes, release };
    };
    let current = first <= lastStored ? blockFrom(first) : null;
    let next: ReturnType<typeof blockFrom> | null = null;
    try {
      for (let index = first; index <= last; index += 1) {
        let plaintext: Buffer;
        if (index === lastIndex) {
          plaintext = await finalChunk();
        } else {
          if (index > current!.to) {
            current!.release();
            [current, next] = [next, null];
          }
          const bytes = await current!.bytes;
          if (!next && current!.to < lastStored) next = blockFrom(current!.to + 1);
          const offset = (index - current!.from) * stored;
          if (bytes.length < offset + stored) {
            throw new EncryptedMediaError('TRUNCATED', `the file shrank while open: chunk ${index} is cut`, index);
          }
          // The plaintext is a buffer of its own: the read buffer can go back to the pool.
          plaintext = openChunk(keys, index, false, bytes.subarray(offset, offset + stored));
        }
        const base = index * layout.chunkSize;
        yield plaintext.subarray(Math.max(start - base, 0), Math.min(endInclusive - base + 1, plaintext.length));
      }
    } finally {
      current?.release();
      next?.release();
    }
  }

  return {
    header,
    plaintextLength: layout.plaintextLength,
    chunkCount: layout.chunkCount,
    async read(start, endInclusive) {
      assertRange(start, endInclusive, layout.plaintextLength);
      const parts: Buffer[] = [];
      for await (const part of slices(start, endInclusive)) parts.push(part);
      return Buffer.concat(parts);
    },
    stream(start, endInclusive) {
      assertRange(start, endInclusive, layout.plaintextLength);
      return Readable.from(slices(start, endInclusive), { objectMode: false });
    },
  };
}

/**
 * Plaintext bytes start..endInclusive (HTTP Range semantics) as a stream. Rejects before the stream
 * exists when the key, header, length or range is wrong; a chunk failing mid-range errors the stream.
 */
export async function decryptRange(
  file: RandomAccessFile,
  key: Buffer,
  start: number,
  endInclusive: number,
): Promise<Readable> {
  return (await openEncryptedFile(file, key)).stream(start, endInclusive);
}

async function readChunk(file: RandomAccessFile, keys: FileKeys, layout: ChunkLayout, index: number): Promise<Buffer> {
  const span = chunkSpan(layout, index);
  const stored = await readAt(file, span.position, span.length);
  if (stored.length < span.length) {
    throw new EncryptedMediaError('TRUNCATED', `the file shrank while open: chunk ${index} is cut`, index);
  }
  return openChunk(keys, index, index === layout.chunkCount - 1, stored);
}

/** A few stray bytes follow the last whole chunk: a cut through the next tag, or bytes appended after the end. */
async function explainFragment(file: RandomAccessFile, keys: FileKeys, layout: ChunkLayout): Promise<EncryptedMediaError> {
  const index = layout.chunkCount - 1;
  const span = chunkSpan(layout, index);
  const opensAs = chunkOpensAs(keys, index, await readAt(file, span.position, span.length));
  if (opensAs === 'non-final') return new EncryptedMediaError('TRUNCATED', `the file ends inside the tag of chunk ${index + 1}`, index + 1);
  if (opensAs === 'final') return new EncryptedMediaError('TAMPERED', 'bytes follow the final chunk', index);
  return new EncryptedMediaError('TAMPERED', `chunk ${index} fails authentication`, index);
}

function assertRange(start: number, endInclusive: number, length: number): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(endInclusive) || start < 0 || start > endInclusive || endInclusive >= length) {
    throw new RangeError(`range ${start}-${endInclusive} is not within the ${length} plaintext bytes`);
  }
}
