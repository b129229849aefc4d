import { createCipheriv, createDecipheriv } from 'node:crypto';
import { EncryptedMediaError } from './errors.js';
import { MAX_CHUNKS, TAG_LENGTH, type FileKeys } from './header.js';

function nonce(keys: FileKeys, index: number): Buffer {
  const bytes = Buffer.alloc(12);
  keys.noncePrefix.copy(bytes, 0);
  bytes.writeBigUInt64BE(BigInt(index), 4);
  return bytes;
}

function aad(keys: FileKeys, index: number, final: boolean): Buffer {
  const bytes = Buffer.alloc(keys.headerDigest.length + 9);
  keys.headerDigest.copy(bytes, 0);
  bytes.writeBigUInt64BE(BigInt(index), keys.headerDigest.length);
  bytes.writeUInt8(final ? 1 : 0, keys.headerDigest.length + 8);
  return bytes;
}

/**
 * Seals one chunk whose plaintext arrives in pieces (as a stream delivers it, never copied into
 * one buffer); returns the ciphertext pieces then the tag, in stored order.
 */
export function sealChunk(keys: FileKeys, index: number, final: boolean, plaintext: readonly Buffer[]): Buffer[] {
  if (index >= MAX_CHUNKS) throw new RangeError(`a recording holds at most ${MAX_CHUNKS} chunks`);
  const cipher = createCipheriv('aes-256-gcm', keys.contentKey, nonce(keys, index), { authTagLength: TAG_LENGTH });
  cipher.setAAD(aad(keys, index, final));
  const sealed = plaintext.map((piece) => cipher.update(piece));
  cipher.final();
  sealed.push(cipher.getAuthTag());
  return sealed;
}

function tryOpen(keys: FileKeys, index: number, final: boolean, body: readonly Buffer[], tag: Buffer): Buffer[] | null {
  const decipher = createDecipheriv('aes-256-gcm', keys.contentKey, nonce(keys, index), { authTagLength: TAG_LENGTH });
  decipher.setAAD(aad(keys, index, final));
  decipher.setAuthTag(tag);
  const plaintext = body.map((piece) => decipher.update(piece));
  try {
    decipher.final();
  } catch {
    return null;
  }
  return plaintext;
}

/**
 * Plaintext of one stored chunk, its ciphertext in pieces and its tag, released only after the
 * tag verifies. `final` says whether the reader expects this to be the last chunk of the file.
 */
export function openChunkPieces(keys: FileKeys, index: number, final: boolean, body: readonly Buffer[], tag: Buffer): Buffer[] {
  if (index >= MAX_CHUNKS) throw new EncryptedMediaError('TAMPERED', 'more chunks than a recording can hold', index);
  const plaintext = tryOpen(keys, index, final, body, tag);
  if (plaintext) return plaintext;
  // The last chunk present opens as a non-final one: the chunks after it were cut off.
  if (final && tryOpen(keys, index, false, body, tag)) {
    throw new EncryptedMediaError('TRUNCATED', `the file ends after chunk ${index}, before its final chunk`, index);
  }
  throw new EncryptedMediaError('TAMPERED', `chunk ${index} fails authentication`, index);
}

/** `openChunkPieces` for a stored chunk (ciphertext ‖ tag) in one buffer. */
export function openChunk(keys: FileKeys, index: number, final: boolean, stored: Buffer): Buffer {
  if (stored.length < TAG_LENGTH) throw new EncryptedMediaError('TRUNCATED', 'the file ends inside a chunk tag', index);
  const cut = stored.length - TAG_LENGTH;
  return openChunkPieces(keys, index, final, [stored.subarray(0, cut)], stored.subarray(cut))[0]!;
}

/** Whether a stored chunk is authentic, and as which kind; for telling a cut from an edit. */
export function chunkOpensAs(keys: FileKeys, index: number, stored: Buffer): 'final' | 'non-final' | null {
  if (stored.length < TAG_LENGTH) return null;
  const body = [stored.subarray(0, stored.length - TAG_LENGTH)];
  const tag = stored.subarray(stored.length - TAG_LENGTH);
  if (tryOpen(keys, index, false, body, tag)) return 'non-final';
  return tryOpen(keys, index, true, body, tag) ? 'final' : null;
}

/** Where the chunks of a file of a given size lie; O(1) from the header and the file size. */
export interface ChunkLayout {
  headerLength: number;
  chunkSize: number;
  chunkCount: number;
  plaintextLength: number;
  /** Bytes after the last whole chunk, too few to be a chunk (under 16); 0 in a sound file. */
  fragment: number;
}

export function layoutFor(headerLength: number, chunkSize: number, fileSize: number): ChunkLayout {
  const body = fileSize - headerLength;
  if (body <= 0) throw new EncryptedMediaError('TRUNCATED', 'the file holds no chunk, not even the final one');
  const stored = chunkSize + TAG_LENGTH;
  if (body < TAG_LENGTH) throw new EncryptedMediaError('TRUNCATED', 'the file ends inside the tag of chunk 0', 0);
  let chunkCount = Math.ceil(body / stored);
  const last = body - (chunkCount - 1) * stored;
  const fragment = last < TAG_LENGTH ? last : 0;
  if (fragment > 0) chunkCount -= 1;
  if (chunkCount > MAX_CHUNKS) throw new EncryptedMediaError('TAMPERED', 'more chunks than a recording can hold');
  return { headerLength, chunkSize, chunkCount, plaintextLength: body - fragment - chunkCount * TAG_LENGTH, fragment };
}

/** File offset and stored length of chunk `index`. */
export function chunkSpan(layout: ChunkLayout, index: number): { position: number; length: number } {
  const stored = layout.chunkSize + TAG_LENGTH;
  const isLast = index === layout.chunkCount - 1;
  const plaintext = isLast ? layout.plaintextLength - index * layout.chunkSize : layout.chunkSize;
  return { position: layout.headerLength + index * stored, length: plaintext + TAG_LENGTH };
}

/** FIFO of byte pieces; `take` copies only when a request spans pieces. */
export class ByteQueue {
  private pieces: Buffer[] = [];
  length = 0;

  push(piece: Buffer): void {
    if (piece.length === 0) return;
    this.pieces.push(piece);
    this.length += piece.length;
  }

  /** The first `count` bytes as the pieces that hold them, never copied. */
  takePieces(count: number): Buffer[] {
    if (count > this.length) throw new RangeError('not enough bytes queued');
    const out: Buffer[] = [];
    let left = count;
    while (left > 0) {
      const piece = this.pieces[0]!;
      const used = Math.min(piece.length, left);
      out.push(used === piece.length ? piece : piece.subarray(0, used));
      this.dropFront(used);
      left -= used;
    }
    return out;
  }

  take(count: number): Buffer {
    if (count > this.length) throw new RangeError('not enough bytes queued');
    const first = this.pieces[0];
    if (first && first.length >= count) {
      this.dropFront(count);
      return first.subarray(0, count);
    }
    const out = Buffer.allocUnsafe(count);
    let filled = 0;
    while (filled < count) {
      const piece = this.pieces[0]!;
      const used = Math.min(piece.length, count - filled);
      piece.copy(out, filled, 0, used);
      filled += used;
      this.dropFront(used);
    }
    return out;
  }

  /** The first `count` bytes, left in the queue. */
  peek(count: number): Buffer {
    const first = this.pieces[0];
    if (count === 0 || !first) return Buffer.alloc(0);
    if (first.length >= count) return first.subarray(0, count);
    return Buffer.concat(this.pieces, count);
  }

  private dropFront(count: number): void {
    const first = this.pieces[0]!;
    if (count === first.length) this.pieces.shift();
    else this.pieces[0] = first.subarray(count);
    this.length -= count;
  }
}
