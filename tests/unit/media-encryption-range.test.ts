import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import {
  decryptRange,
  EncryptedMediaError,
  encryptStream,
  openEncryptedFile,
  readHeader,
  type RandomAccessFile,
} from '../../media/encryption/format.js';
import { newDataKey } from '../../media/encryption/keys.js';

const KEY_ID = 'rk-range';
const HEADER = 81 + KEY_ID.length;
const TAG = 16;

async function encrypt(data: Buffer, key: Buffer, chunkSize: number): Promise<Buffer> {
  const out: Buffer[] = [];
  const sink = new Writable({ write: (piece: Buffer, _e, done) => (out.push(piece), done()) });
  await pipeline(Readable.from([data], { objectMode: false }), encryptStream(key, KEY_ID, { chunkSize }), sink);
  return Buffer.concat(out);
}

/** A file in memory that records every read, as a FileHandle would see them. */
function countingFile(bytes: Buffer): RandomAccessFile & { reads: { position: number; length: number }[] } {
  const reads: { position: number; length: number }[] = [];
  return {
    reads,
    async read(buffer, offset, length, position) {
      reads.push({ position, length });
      const bytesRead = bytes.copy(buffer, offset, position, Math.min(position + length, bytes.length));
      return { bytesRead };
    },
    async stat() {
      return { size: bytes.length };
    },
  };
}

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

describe('readHeader', () => {
  it('names the key and chunk size without needing the key', async () => {
    const file = await encrypt(randomBytes(10), newDataKey(), 4096);
    expect(await readHeader(countingFile(file))).toMatchObject({ version: 1, keyId: KEY_ID, chunkSize: 4096, headerLength: HEADER });
  });

  it('refuses a file that is not an encrypted recording', async () => {
    await expect(readHeader(countingFile(Buffer.from('OggS plain audio, not encrypted at all')))).rejects.toMatchObject({ reason: 'BAD_HEADER' });
  });
});

describe('range reads', () => {
  const chunk = 1024;
  const key = newDataKey();
  // 11 chunks: ten full, the last holding 100 bytes.
  const plaintext = randomBytes(10 * chunk + 100);
  const filePromise = encrypt(plaintext, key, chunk);
  const chunkPosition = (index: number) => HEADER + index * (chunk + TAG);
  const last = plaintext.length - 1;

  it('opening verifies the whole length with two reads: the header and the final chunk', async () => {
    const file = countingFile(await filePromise);
    const opened = await openEncryptedFile(file, key);
    expect(opened.plaintextLength).toBe(plaintext.length);
    expect(opened.chunkCount).toBe(11);
    expect(file.reads.map((r) => r.position)).toEqual([0, chunkPosition(10)]);
  });

  it.each([
    ['first byte', 0, 0],
    ['first chunk exactly', 0, chunk - 1],
    ['across one chunk edge', chunk - 1, chunk],
    ['second chunk exactly', chunk, 2 * chunk - 1],
    ['one byte before an edge', 3 * chunk - 1, 3 * chunk - 1],
    ['one byte after an edge', 3 * chunk, 3 * chunk],
    ['several chunks, ragged ends', 1000, 4100],
    ['into the final chunk', 9 * chunk + 10, 10 * chunk + 50],
    ['the final chunk alone', 10 * chunk, last],
    ['last byte', last, last],
    ['everything', 0, last],
  ])('%s (%i-%i) equals the plaintext slice and reads only the chunks it touches', async (_name, start, end) => {
    const file = countingFile(await filePromise);
    // The file was verified before (by the first test), so this open does not read its final chunk.
    const opened = await openEncryptedFile(file, key);
    file.reads.length = 0;
    const bytes = await opened.read(start, end);
    expect(bytes.equals(plaintext.subarray(start, end + 1))).toBe(true);
    // The chunks before the final one are read in one read of neighbours, the final chunk (100
    // bytes) on its own when the range reaches it, and nothing else is read.
    const touched = [];
    for (let index = Math.floor(start / chunk); index <= Math.min(Math.floor(end / chunk), 9); index += 1) touched.push(index);
    const finalSpan = { position: chunkPosition(10), length: 100 + TAG };
    const reachesFinal = end >= 10 * chunk;
    const expected = [...touched.map((index) => ({ position: chunkPosition(index), length: chunk + TAG })), ...(reachesFinal ? [finalSpan] : [])];
    const spansOf = (reads: { position: number; length: number }[]) =>
      reads.flatMap((read) =>
        read.position === finalSpan.position
          ? [read]
          : Array.from({ length: read.length / (chunk + TAG) }, (_, n) => ({ position: read.position + n * (chunk + TAG), length: chunk + TAG })),
      );
    expect(spansOf(file.reads)).toEqual(expected);
    expect(file.reads.length).toBe((touched.length > 0 ? 1 : 0) + (reachesFinal ? 1 : 0));
    // The same file object reads the final chunk once, however many ranges need it.
    file.reads.length = 0;
    expect((await collect(opened.stream(start, end))).equals(bytes)).toBe(true);
    expect(spansOf(file.reads)).toEqual(expected.filter((span) => span !== finalSpan));
  });

  it('opening a verified file again at the same size skips its final chunk until a range needs it', async () => {
    const bytes = await encrypt(plaintext, key, chunk);
    const first = countingFile(bytes);
    await openEncryptedFile(first, key);
    expect(first.reads.map((r) => r.position)).toEqual([0, chunkPosition(10)]);
    const again = countingFile(bytes);
    const opened = await openEncryptedFile(again, key);
    expect(again.reads.map((r) => r.position)).toEqual([0]);
    expect((await opened.read(10 * chunk, last)).equals(plaintext.subarray(10 * chunk))).toBe(true);
    expect(again.reads.map((r) => r.position)).toEqual([0, chunkPosition(10)]);
  });

  it('a verified file cut, grown or altered at its end afterwards is still refused', async () => {
    const bytes = await encrypt(plaintext, key, chunk);
    await openEncryptedFile(countingFile(bytes), key);
    // Another size: verified afresh at open.
    await expect(openEncryptedFile(countingFile(bytes.subarray(0, chunkPosition(10))), key)).rejects.toMatchObject({ reason: 'TRUNCATED' });
    await expect(openEncryptedFile(countingFile(Buffer.concat([bytes, randomBytes(chunk + TAG)])), key)).rejects.toMatchObject({ reason: 'TAMPERED' });
    // The same size with a forged final chunk opens, and fails as soon as a range reaches it.
    const forged = Buffer.from(bytes);
    forged[chunkPosition(10) + 3] = forged[chunkPosition(10) + 3]! ^ 0x01;
    const opened = await openEncryptedFile(countingFile(forged), key);
    expect((await opened.read(0, chunk - 1)).equals(plaintext.subarray(0, chunk))).toBe(true);
    await expect(opened.read(last, last)).rejects.toMatchObject({ reason: 'TAMPERED', chunkIndex: 10 });
  });

  it('read buffers are reused, and bytes already returned are never overwritten', async () => {
    const file = countingFile(await filePromise);
    const buffers: Buffer[] = [];
    const opened = await openEncryptedFile({ ...file, read: (buffer, ...rest) => (buffers.push(buffer), file.read(buffer, ...rest)) }, key);
    buffers.length = 0;
    const firstRange = await opened.read(0, 3 * chunk);
    const secondRange = await opened.read(5 * chunk, 9 * chunk);
    expect(buffers.length).toBe(2);
    expect(buffers[1]!.buffer).toBe(buffers[0]!.buffer);
    expect(firstRange.equals(plaintext.subarray(0, 3 * chunk + 1))).toBe(true);
    expect(secondRange.equals(plaintext.subarray(5 * chunk, 9 * chunk + 1))).toBe(true);
    // A stream closed half-way gives its buffer back too.
    const stream = opened.stream(0, 9 * chunk);
    for await (const piece of stream) {
      void piece;
      break;
    }
    await opened.read(2 * chunk, 4 * chunk);
    expect(buffers.at(-1)!.buffer).toBe(buffers[0]!.buffer);
  });

  it('decryptRange streams a range of a multi-MiB file reading only the chunks it touches', async () => {
    const big = randomBytes(6 * 1024 * 1024 + 7);
    const file = countingFile(await encrypt(big, key, 64 * 1024));
    const start = 3 * 1024 * 1024 - 5;
    const stream = await decryptRange(file, key, start, start + 200_000);
    expect((await collect(stream)).equals(big.subarray(start, start + 200_001))).toBe(true);
    // Header, final chunk, then chunks 47..51 of 97 in one read.
    expect(file.reads.slice(2)).toEqual([{ position: file.reads[2]!.position, length: 5 * (64 * 1024 + TAG) }]);
    expect(file.reads[2]!.position).toBe(HEADER + 47 * (64 * 1024 + TAG));
  });

  it('refuses a range outside the plaintext', async () => {
    const opened = await openEncryptedFile(countingFile(await filePromise), key);
    expect(() => opened.stream(0, plaintext.length)).toThrow(RangeError);
    expect(() => opened.stream(10, 9)).toThrow(RangeError);
    expect(() => opened.stream(-1, 5)).toThrow(RangeError);
    const empty = await openEncryptedFile(countingFile(await encrypt(Buffer.alloc(0), key, chunk)), key);
    expect(empty.plaintextLength).toBe(0);
    await expect(empty.read(0, 0)).rejects.toThrow(RangeError);
  });

  it('a wrong key, a cut-off file, bytes after the end and a tampered header fail at open, before any byte is served', async () => {
    const file = await filePromise;
    await expect(openEncryptedFile(countingFile(file), newDataKey())).rejects.toMatchObject({ reason: 'WRONG_KEY' });
    await expect(openEncryptedFile(countingFile(file.subarray(0, chunkPosition(10))), key)).rejects.toMatchObject({ reason: 'TRUNCATED' });
    await expect(openEncryptedFile(countingFile(file.subarray(0, chunkPosition(10) + 5)), key)).rejects.toMatchObject({ reason: 'TRUNCATED' });
    await expect(openEncryptedFile(countingFile(file.subarray(0, HEADER)), key)).rejects.toMatchObject({ reason: 'TRUNCATED' });
    const full = await encrypt(randomBytes(2 * chunk), key, chunk);
    await expect(openEncryptedFile(countingFile(Buffer.concat([full, randomBytes(10)])), key)).rejects.toMatchObject({ reason: 'TAMPERED' });
    const header = Buffer.from(file);
    header[20] = header[20]! ^ 0x80;
    await expect(decryptRange(countingFile(header), key, 0, 10)).rejects.toMatchObject({ reason: 'TAMPERED' });
  });

  it('a tampered chunk inside the range errors the stream at that chunk; ranges beside it still read', async () => {
    const file = Buffer.from(await filePromise);
    file[chunkPosition(4) + 7] = file[chunkPosition(4) + 7]! ^ 0x01;
    const opened = await openEncryptedFile(countingFile(file), key);
    const error = await collect(opened.stream(3 * chunk, 5 * chunk)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EncryptedMediaError);
    expect(error).toMatchObject({ reason: 'TAMPERED', chunkIndex: 4 });
    expect((await opened.read(0, 4 * chunk - 1)).equals(plaintext.subarray(0, 4 * chunk))).toBe(true);
  });

  it('chunks swapped on disk are refused by a range read too', async () => {
    const file = await filePromise;
    const swapped = Buffer.concat([
      file.subarray(0, chunkPosition(2)),
      file.subarray(chunkPosition(3), chunkPosition(4)),
      file.subarray(chunkPosition(2), chunkPosition(3)),
      file.subarray(chunkPosition(4)),
    ]);
    const opened = await openEncryptedFile(countingFile(swapped), key);
    await expect(opened.read(2 * chunk, 2 * chunk)).rejects.toMatchObject({ reason: 'TAMPERED', chunkIndex: 2 });
  });
});
