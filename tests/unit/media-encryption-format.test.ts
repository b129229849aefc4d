import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { decryptStream, DEFAULT_CHUNK_SIZE, EncryptedMediaError, encryptStream, type EncryptedMediaReason } from '../../media/encryption/format.js';
import { newDataKey } from '../../media/encryption/keys.js';

const KEY_ID = 'rk-01';
const HEADER = 81 + KEY_ID.length;
const SMALL = 1024;
const TAG = 16;

/** Feeds the plaintext in uneven pieces, so chunking cannot depend on how writes arrive. */
function pieces(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0, size = 1; at < data.length; at += size, size = (size * 7 + 3) % 9000 || 1) {
    out.push(data.subarray(at, at + size));
  }
  return out;
}

async function encrypt(data: Buffer, key: Buffer, chunkSize?: number): Promise<Buffer> {
  const out: Buffer[] = [];
  const sink = new Writable({ write: (piece: Buffer, _e, done) => (out.push(piece), done()) });
  await pipeline(Readable.from(pieces(data), { objectMode: false }), encryptStream(key, KEY_ID, { chunkSize }), sink);
  return Buffer.concat(out);
}

/** What a consumer of decryptStream receives: the bytes released, then the error if any. */
async function decrypt(file: Buffer, key: Parameters<typeof decryptStream>[0]): Promise<{ output: Buffer; error?: EncryptedMediaError }> {
  const out: Buffer[] = [];
  const sink = new Writable({ write: (piece: Buffer, _e, done) => (out.push(piece), done()) });
  try {
    await pipeline(Readable.from(pieces(file), { objectMode: false }), decryptStream(key), sink);
    return { output: Buffer.concat(out) };
  } catch (error) {
    if (!(error instanceof EncryptedMediaError)) throw error;
    return { output: Buffer.concat(out), error };
  }
}

async function refusal(file: Buffer, key: Buffer): Promise<{ reason: EncryptedMediaReason | undefined; chunkIndex?: number; released: number }> {
  const { output, error } = await decrypt(file, key);
  return { reason: error?.reason, chunkIndex: error?.chunkIndex, released: output.length };
}

const chunkAt = (index: number, chunkSize = SMALL) => HEADER + index * (chunkSize + TAG);
const flip = (file: Buffer, at: number) => {
  const copy = Buffer.from(file);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
};

describe('encryptStream / decryptStream round trip', () => {
  const chunk = DEFAULT_CHUNK_SIZE;
  it.each([
    ['empty', 0],
    ['one byte', 1],
    ['one short of a chunk', chunk - 1],
    ['exactly one chunk', chunk],
    ['one past a chunk', chunk + 1],
    ['several MiB', 5 * 1024 * 1024 + 12_345],
  ])('%s (%i bytes) comes back unchanged, at the documented size', async (_name, size) => {
    const key = newDataKey();
    const plaintext = randomBytes(size);
    const file = await encrypt(plaintext, key);
    const chunks = Math.max(1, Math.ceil(size / chunk));
    expect(file.length).toBe(HEADER + size + TAG * chunks);
    expect(file.subarray(0, 8).toString('latin1')).toBe('PRLYENC\x01');
    const { output, error } = await decrypt(file, key);
    expect(error).toBeUndefined();
    expect(output.equals(plaintext)).toBe(true);
  });

  it('never writes the plaintext, and two files of the same data under one key differ', async () => {
    const key = newDataKey();
    const plaintext = Buffer.alloc(3 * SMALL, 'recording of a call ');
    const a = await encrypt(plaintext, key, SMALL);
    const b = await encrypt(plaintext, key, SMALL);
    expect(a.includes(Buffer.from('recording of a call'))).toBe(false);
    expect(a.subarray(HEADER).equals(b.subarray(HEADER))).toBe(false);
  });

  it('emits the header before any plaintext arrives', async () => {
    const stream = encryptStream(newDataKey(), KEY_ID);
    const first = stream.read() as Buffer | null;
    expect(first?.length).toBe(HEADER);
    stream.destroy();
  });

  it('asks a resolver for the key named in the header', async () => {
    const key = newDataKey();
    const plaintext = randomBytes(5000);
    const file = await encrypt(plaintext, key, SMALL);
    const asked: string[] = [];
    const { output, error } = await decrypt(file, async (header) => (asked.push(header.keyId), key));
    expect(error).toBeUndefined();
    expect(asked).toEqual([KEY_ID]);
    expect(output.equals(plaintext)).toBe(true);
  });

  it('refuses a key that is not 32 bytes, an unusable key id and an out-of-range chunk size', () => {
    expect(() => encryptStream(randomBytes(16), KEY_ID)).toThrow(TypeError);
    expect(() => encryptStream(newDataKey(), '')).toThrow(TypeError);
    expect(() => encryptStream(newDataKey(), 'has space')).toThrow(TypeError);
    expect(() => encryptStream(newDataKey(), KEY_ID, { chunkSize: 512 })).toThrow(RangeError);
    expect(() => decryptStream(randomBytes(31))).toThrow(TypeError);
  });
});

describe('decryptStream refuses damaged or foreign files', () => {
  // 4 chunks of 1 KiB: 1024, 1024, 1024, 500.
  const key = newDataKey();
  const plaintext = randomBytes(3 * SMALL + 500);
  const filePromise = encrypt(plaintext, key, SMALL);

  it('a flipped byte inside a chunk: TAMPERED, and only the chunks before it are released', async () => {
    const file = await filePromise;
    expect(await refusal(flip(file, chunkAt(2) + 100), key)).toEqual({ reason: 'TAMPERED', chunkIndex: 2, released: 2 * SMALL });
  });

  it('a flipped byte in a tag: TAMPERED', async () => {
    const file = await filePromise;
    expect(await refusal(flip(file, chunkAt(1) + SMALL + 3), key)).toMatchObject({ reason: 'TAMPERED', chunkIndex: 1 });
    expect(await refusal(flip(file, file.length - 1), key)).toMatchObject({ reason: 'TAMPERED', chunkIndex: 3 });
  });

  it.each([
    ['magic', 0, 'BAD_HEADER'],
    ['version', 7, 'BAD_HEADER'],
    ['chunk size, out of range', 8, 'BAD_HEADER'],
    ['chunk size, in range', 10, 'TAMPERED'],
    ['nonce prefix', 13, 'TAMPERED'],
    ['file id', 20, 'TAMPERED'],
    ['key id', 34, 'TAMPERED'],
    ['key check', 33 + KEY_ID.length + 2, 'WRONG_KEY'],
    ['header MAC', HEADER - 1, 'TAMPERED'],
  ] as const)('a flipped byte in the header (%s): %s, nothing released', async (_field, at, reason) => {
    expect(await refusal(flip(await filePromise, at), key)).toMatchObject({ reason, released: 0 });
  });

  it('any single flipped header byte is refused before a byte is released', async () => {
    const file = await filePromise;
    for (let at = 0; at < HEADER; at += 1) {
      const { error, output } = await decrypt(flip(file, at), key);
      expect(error, `header byte ${at}`).toBeInstanceOf(EncryptedMediaError);
      expect(output.length).toBe(0);
    }
  });

  it('the final chunk dropped: TRUNCATED', async () => {
    const file = await filePromise;
    expect(await refusal(file.subarray(0, chunkAt(3)), key)).toMatchObject({ reason: 'TRUNCATED', chunkIndex: 2 });
  });

  it('the final chunk dropped where every chunk is full: TRUNCATED', async () => {
    const full = randomBytes(2 * SMALL);
    const file = await encrypt(full, key, SMALL);
    expect(file.length).toBe(chunkAt(2));
    expect(await refusal(file.subarray(0, chunkAt(1)), key)).toMatchObject({ reason: 'TRUNCATED', chunkIndex: 0 });
  });

  it('cut after the header, inside the header, or to nothing: TRUNCATED', async () => {
    const file = await filePromise;
    expect((await refusal(file.subarray(0, HEADER), key)).reason).toBe('TRUNCATED');
    expect((await refusal(file.subarray(0, 40), key)).reason).toBe('TRUNCATED');
    expect((await refusal(Buffer.alloc(0), key)).reason).toBe('TRUNCATED');
    const empty = await encrypt(Buffer.alloc(0), key, SMALL);
    expect((await refusal(empty.subarray(0, HEADER), key)).reason).toBe('TRUNCATED');
  });

  it('cut inside the final tag: TRUNCATED; cut inside a chunk body: TAMPERED (indistinguishable from an edit)', async () => {
    const file = await filePromise;
    expect((await refusal(file.subarray(0, chunkAt(3) + 10), key)).reason).toBe('TRUNCATED');
    expect(await refusal(file.subarray(0, chunkAt(3) + 300), key)).toMatchObject({ reason: 'TAMPERED', released: 3 * SMALL });
  });

  it('two chunks swapped: TAMPERED at the first moved chunk', async () => {
    const file = await filePromise;
    const swapped = Buffer.concat([
      file.subarray(0, chunkAt(0)),
      file.subarray(chunkAt(1), chunkAt(2)),
      file.subarray(chunkAt(0), chunkAt(1)),
      file.subarray(chunkAt(2)),
    ]);
    expect(await refusal(swapped, key)).toEqual({ reason: 'TAMPERED', chunkIndex: 0, released: 0 });
  });

  it('a chunk spliced in from another file under the same key: TAMPERED', async () => {
    const file = await filePromise;
    const other = await encrypt(randomBytes(3 * SMALL + 500), key, SMALL);
    const spliced = Buffer.concat([file.subarray(0, chunkAt(1)), other.subarray(chunkAt(1), chunkAt(2)), file.subarray(chunkAt(2))]);
    expect(await refusal(spliced, key)).toEqual({ reason: 'TAMPERED', chunkIndex: 1, released: SMALL });
  });

  it('the header of another file under the same key: TAMPERED at the first chunk', async () => {
    const file = await filePromise;
    const other = await encrypt(randomBytes(100), key, SMALL);
    const mixed = Buffer.concat([other.subarray(0, HEADER), file.subarray(HEADER)]);
    expect(await refusal(mixed, key)).toEqual({ reason: 'TAMPERED', chunkIndex: 0, released: 0 });
  });

  it('bytes appended after the final chunk: TAMPERED', async () => {
    const file = await filePromise;
    expect((await refusal(Buffer.concat([file, randomBytes(40)]), key)).reason).toBe('TAMPERED');
    const full = await encrypt(randomBytes(2 * SMALL), key, SMALL);
    expect((await refusal(Buffer.concat([full, full.subarray(chunkAt(1))]), key)).reason).toBe('TAMPERED');
    expect((await refusal(Buffer.concat([full, randomBytes(10)]), key)).reason).toBe('TAMPERED');
  });

  it('the wrong key: WRONG_KEY before anything is released', async () => {
    const file = await filePromise;
    expect(await refusal(file, newDataKey())).toEqual({ reason: 'WRONG_KEY', chunkIndex: undefined, released: 0 });
    const { error } = await decrypt(file, () => newDataKey());
    expect(error?.reason).toBe('WRONG_KEY');
  });

  it('something that is not an encrypted recording: BAD_HEADER', async () => {
    expect((await refusal(Buffer.from('\x1aE\xdf\xa3 a plain webm file'), key)).reason).toBe('BAD_HEADER');
  });
});
