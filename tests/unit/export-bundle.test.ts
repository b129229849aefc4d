import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Decrypter } from 'age-encryption';
import { afterAll, describe, expect, it } from 'vitest';
import { writeEncryptedBundle, type BundleEntry } from '../../backend/src/services/dsar/export/bundle.js';
import { streamStoredBundle } from '../../backend/src/services/dsar/export/stored-bundle.js';
import type { BlobStore } from '../../backend/src/ports/blob-store.js';
import { encryptStream, openEncryptedFile } from '../../media/encryption/format.js';

const dir = mkdtempSync(join(tmpdir(), 'parley-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CHUNK = 64 * 1024;
const key = randomBytes(32);

async function sealed(plaintext: Buffer): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const part of Readable.from([plaintext]).pipe(encryptStream(key, 'test-key', { chunkSize: CHUNK }))) out.push(part as Buffer);
  return Buffer.concat(out);
}

/** A stored recording as the export opens it: decrypted as a stream, chunks authenticated on the way. */
function recordingEntry(entryName: string, file: string): BundleEntry {
  return {
    entryName,
    async open() {
      const handle = await open(file);
      const encrypted = await openEncryptedFile(handle, key);
      return { stream: encrypted.stream(0, encrypted.plaintextLength - 1), close: () => handle.close() };
    },
  };
}

async function unzipBundle(file: string, passphrase: string): Promise<string> {
  const decrypter = new Decrypter();
  decrypter.addPassphrase(passphrase);
  const zip = join(dir, 'opened.zip');
  writeFileSync(zip, await decrypter.decrypt(readFileSync(file)));
  const out = mkdtempSync(join(dir, 'out-'));
  execFileSync('unzip', ['-q', zip, '-d', out]);
  return out;
}

describe('the export bundle', () => {
  const media = [randomBytes(5 * CHUNK + 17), randomBytes(3 * CHUNK)];

  it('holds the files and the decrypted recordings, encrypted for the passphrase, with progress per entry', async () => {
    const files = await Promise.all(
      media.map(async (plaintext, i) => {
        const file = join(dir, `good-${i}.sealed`);
        writeFileSync(file, await sealed(plaintext));
        return file;
      }),
    );
    const progress: string[] = [];
    const out = join(dir, 'good.age');
    const { sizeBytes } = await writeEncryptedBundle(
      { files: [{ name: 'data.json', body: '{"customer":"Alex"}\n' }], entries: files.map((file, i) => recordingEntry(`recordings/${i}.webm`, file)) },
      'correct horse',
      out,
      async (done, total) => void progress.push(`${done}/${total}`),
    );
    expect(sizeBytes).toBeGreaterThan(media[0]!.length + media[1]!.length);
    const opened = await unzipBundle(out, 'correct horse');
    expect(readFileSync(join(opened, 'data.json'), 'utf8')).toBe('{"customer":"Alex"}\n');
    expect(readFileSync(join(opened, 'recordings/0.webm')).equals(media[0]!)).toBe(true);
    expect(readFileSync(join(opened, 'recordings/1.webm')).equals(media[1]!)).toBe(true);
    expect(progress).toEqual(['0/2', '1/2', '2/2']);
  });

  it('fails, rather than waiting forever or carrying other bytes, when a stored recording was altered in the middle', async () => {
    const good = join(dir, 'first.sealed');
    writeFileSync(good, await sealed(media[0]!));
    const altered = await sealed(media[1]!);
    // A byte of the second chunk's ciphertext: the header and the final chunk still verify when the file is opened.
    const at = altered.length - 2 * (CHUNK + 16);
    altered[at] = altered[at]! ^ 0x01;
    const bad = join(dir, 'altered.sealed');
    writeFileSync(bad, altered);

    const run = writeEncryptedBundle(
      { files: [], entries: [recordingEntry('recordings/0.webm', good), recordingEntry('recordings/1.webm', bad)] },
      'correct horse',
      join(dir, 'altered.age'),
      async () => undefined,
    );
    await expect(run).rejects.toMatchObject({ name: 'EncryptedMediaError', reason: 'TAMPERED' });
  });

  it('fails when an entry made on the way fails', async () => {
    const failing: BundleEntry = {
      entryName: 'audit/events.jsonl',
      async open() {
        async function* lines() {
          yield '{"event":1}\n';
          throw new Error('the audit trail could not be read');
        }
        return { stream: Readable.from(lines()), close: async () => undefined };
      },
    };
    const run = writeEncryptedBundle({ files: [], entries: [failing] }, 'correct horse', join(dir, 'failing.age'), async () => undefined);
    await expect(run).rejects.toThrow('the audit trail could not be read');
  });

  it('closes an entry that finishes opening after the bundle has already failed', async () => {
    let closed = 0;
    let opened!: () => void;
    const slow: BundleEntry = {
      entryName: 'recordings/slow.webm',
      open: () =>
        new Promise((resolve) => {
          opened = () => resolve({ stream: Readable.from([Buffer.from('media')]), close: async () => void (closed += 1) });
        }),
    };
    // The output folder does not exist: writing fails while the entry is still opening.
    const run = writeEncryptedBundle({ files: [], entries: [slow] }, 'correct horse', join(dir, 'missing', 'out.age'), async () => undefined);
    await expect(run).rejects.toMatchObject({ code: 'ENOENT' });
    opened();
    await expect.poll(() => closed).toBe(1);
  });
});

describe('a stored bundle download', () => {
  /** One stored object whose reader counts how often it is closed. */
  function storeOf(bytes: Buffer) {
    const counts = { closed: 0 };
    const store = {
      open: async () => ({
        read: async (buffer: Buffer, offset: number, length: number, position: number) => {
          const n = bytes.copy(buffer, offset, position, Math.min(bytes.length, position + length));
          return { bytesRead: n, buffer };
        },
        stat: async () => ({ size: bytes.length }),
        close: async () => void (counts.closed += 1),
      }),
    } as unknown as BlobStore;
    return { stores: new Map([['eu', store]]), counts };
  }
  const bundleIn = (stores: ReadonlyMap<string, BlobStore>, size: number) => ({ stores, storageLocation: 'eu', objectKey: 'exports/x.age', sizeBytes: size });

  it('closes the stored file once when the download is read to the end', async () => {
    const bytes = randomBytes(3000);
    const { stores, counts } = storeOf(bytes);
    const stream = await streamStoredBundle(bundleIn(stores, bytes.length), () => new Error('gone'), async () => undefined);
    const read: Buffer[] = [];
    for await (const part of stream) read.push(part as Buffer);
    expect(Buffer.concat(read).equals(bytes)).toBe(true);
    await expect.poll(() => counts.closed).toBe(1);
  });

  it('closes the stored file when the download is dropped before its first byte', async () => {
    const { stores, counts } = storeOf(randomBytes(3000));
    const stream = await streamStoredBundle(bundleIn(stores, 3000), () => new Error('gone'), async () => undefined);
    stream.destroy();
    await expect.poll(() => counts.closed).toBe(1);
  });
});
