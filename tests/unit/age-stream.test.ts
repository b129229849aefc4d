import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { Decrypter } from 'age-encryption';
import { describe, expect, it } from 'vitest';
import { ageEncryptStream } from '../../backend/src/services/dsar/export/age-stream.js';

const CHUNK = 64 * 1024;

async function encrypt(plaintext: Buffer, passphrase: string, pieces = 7): Promise<Buffer> {
  // Written in uneven pieces, so chunk boundaries never line up with writes.
  const step = Math.max(1, Math.ceil(plaintext.length / pieces));
  const parts = Array.from({ length: Math.ceil(plaintext.length / step) }, (_, i) => plaintext.subarray(i * step, (i + 1) * step));
  const out: Buffer[] = [];
  for await (const chunk of Readable.from(parts).pipe(await ageEncryptStream(passphrase, 10))) out.push(chunk as Buffer);
  return Buffer.concat(out);
}

async function decrypt(file: Buffer, passphrase: string): Promise<Buffer> {
  const decrypter = new Decrypter();
  decrypter.addPassphrase(passphrase);
  return Buffer.from(await decrypter.decrypt(file));
}

describe('age encryption of export bundles', () => {
  it.each([
    ['empty', 0],
    ['one byte', 1],
    ['exactly one chunk', CHUNK],
    ['one chunk and a byte', CHUNK + 1],
    ['three chunks exactly', 3 * CHUNK],
    ['a few chunks and a tail', 4 * CHUNK + 12_345],
  ])('writes a file the age library opens with the passphrase: %s', async (_name, size) => {
    const plaintext = randomBytes(size);
    const file = await encrypt(plaintext, 'correct horse battery staple');
    expect(file.subarray(0, 22).toString()).toBe('age-encryption.org/v1\n');
    expect(file.toString('latin1')).toContain('\n-> scrypt ');
    expect((await decrypt(file, 'correct horse battery staple')).equals(plaintext)).toBe(true);
  });

  it('cannot be opened with another passphrase', async () => {
    const file = await encrypt(randomBytes(1000), 'right');
    await expect(decrypt(file, 'wrong')).rejects.toThrow();
  });

  it('is refused when a payload byte is changed, or the last chunk is cut off', async () => {
    const plaintext = randomBytes(3 * CHUNK + 99);
    const file = await encrypt(plaintext, 'p');
    const altered = Buffer.from(file);
    altered.writeUInt8(altered.readUInt8(altered.length - 5_000) ^ 1, altered.length - 5_000);
    await expect(decrypt(altered, 'p')).rejects.toThrow();
    // Dropping the final chunk leaves a file whose new last chunk lacks the last-chunk flag.
    const truncated = file.subarray(0, file.length - (99 + 16));
    await expect(decrypt(truncated, 'p')).rejects.toThrow();
  });

  it('gives two bundles of the same content nothing in common', async () => {
    const plaintext = randomBytes(2 * CHUNK);
    const [a, b] = await Promise.all([encrypt(plaintext, 'p'), encrypt(plaintext, 'p')]);
    expect(a.subarray(-2 * CHUNK).equals(b.subarray(-2 * CHUNK))).toBe(false);
  });
});
