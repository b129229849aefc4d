import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyStoreError } from '../../media/encryption/errors.js';
import { decryptRange, decryptStream, encryptStream, readHeader } from '../../media/encryption/format.js';
import { keyContext, newDataKey, wrapKey } from '../../media/encryption/keys.js';
import { rewrap, type WrappedKey } from '../../media/encryption/kms.js';
import { LocalKeyFileKms } from '../../media/encryption/local-key-file-kms.js';
import type { MasterKeys } from '../../backend/src/ports/master-keys.js';
import { unwrapRecordingKey } from '../../backend/src/services/recordings/keys.js';

/**
 * The key hierarchy end to end on real files: recording key ← subject key ← tenant master key
 * (local key file). Rows that would live in the database are plain objects here.
 */
describe('encrypted recordings on disk', () => {
  let dir: string;
  let kms: LocalKeyFileKms;
  const recordingId = 'rec_01';
  const subjectId = 'subj_01';
  const media = randomBytes(3 * 1024 * 1024 + 4321);
  let subjectRow: { wrapped: WrappedKey };
  let recordingRow: { keyId: string; wrapped: Buffer };
  let mediaFile: string;

  /** The product's own unwrapping (services/recordings/keys.ts), with the rows as it reads them. */
  const recordingKeyFor = async (keyId: string): Promise<Buffer> => {
    expect(keyId).toBe(recordingRow.keyId);
    const masterKeys: MasterKeys = { forTenant: async () => kms, destroy: async () => undefined };
    return unwrapRecordingKey(
      masterKeys,
      { id: recordingId, tenantId: 'tenant-1', wrappedKey: recordingRow.wrapped },
      { customerId: subjectId, masterKeyId: subjectRow.wrapped.keyId, wrappedKey: subjectRow.wrapped.ciphertext },
    );
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'parley-at-rest-'));
    kms = await LocalKeyFileKms.open(path.join(dir, 'keys', 'tenant-1.json'));
    const subjectKey = newDataKey();
    subjectRow = { wrapped: await kms.wrap(subjectKey, keyContext('subject', subjectId)) };
    const recordingKey = newDataKey();
    recordingRow = { keyId: `rk-${recordingId}`, wrapped: wrapKey(subjectKey, recordingKey, keyContext('recording', recordingId)) };
    mediaFile = path.join(dir, `${recordingId}.webm.enc`);
    await pipeline(Readable.from([media], { objectMode: false }), encryptStream(recordingKey, recordingRow.keyId), createWriteStream(mediaFile));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('streams back through the key hierarchy, finding the key from the header', async () => {
    const out = createHash('sha256');
    await pipeline(createReadStream(mediaFile), decryptStream((header) => recordingKeyFor(header.keyId)), new Writable({
      write: (piece: Buffer, _e, done) => (out.update(piece), done()),
    }));
    expect(out.digest('hex')).toBe(createHash('sha256').update(media).digest('hex'));
  });

  it('serves an HTTP-style range from a real file handle', async () => {
    const handle = await open(mediaFile, 'r');
    try {
      const header = await readHeader(handle);
      const stream = await decryptRange(handle, await recordingKeyFor(header.keyId), 1_000_000, 1_300_000);
      const parts: Buffer[] = [];
      for await (const part of stream as Readable) parts.push(part as Buffer);
      expect(Buffer.concat(parts).equals(media.subarray(1_000_000, 1_300_001))).toBe(true);
    } finally {
      await handle.close();
    }
  });

  it('master key rotation rewraps the subject key and leaves the media file byte for byte', async () => {
    const before = createHash('sha256').update(await readFile(mediaFile)).digest('hex');
    const oldMaster = kms.keyId;
    await kms.rotate();
    subjectRow = { wrapped: await rewrap(subjectRow.wrapped, keyContext('subject', subjectId), kms, kms) };
    await kms.retire(oldMaster);

    const handle = await open(mediaFile, 'r');
    try {
      const stream = await decryptRange(handle, await recordingKeyFor(recordingRow.keyId), 0, 99);
      const parts: Buffer[] = [];
      for await (const part of stream as Readable) parts.push(part as Buffer);
      expect(Buffer.concat(parts).equals(media.subarray(0, 100))).toBe(true);
    } finally {
      await handle.close();
    }
    expect(createHash('sha256').update(await readFile(mediaFile)).digest('hex')).toBe(before);
  });

  it('a backup copy of a wrapped subject key stops opening once its master key version is retired', async () => {
    const backupCopy = subjectRow.wrapped;
    await kms.rotate();
    subjectRow = { wrapped: await rewrap(backupCopy, keyContext('subject', subjectId), kms, kms) };
    await kms.retire(backupCopy.keyId);
    await expect(kms.unwrap(backupCopy, keyContext('subject', subjectId))).rejects.toThrow(KeyStoreError);
    await expect(recordingKeyFor(recordingRow.keyId)).resolves.toHaveLength(32);
  });
  it('removes a key file copy a killed writer left behind, but not one a live writer may still need', async () => {
    const file = path.join(dir, 'keys', 'tenant-2.json');
    await LocalKeyFileKms.open(file);
    const stale = `${file}.0123456789ab.tmp`;
    const young = `${file}.ba9876543210.tmp`;
    await writeFile(stale, await readFile(file), { mode: 0o600 });
    await writeFile(young, await readFile(file), { mode: 0o600 });
    const anHourAgo = new Date(Date.now() - 3_600_000);
    await utimes(stale, anHourAgo, anHourAgo);
    await LocalKeyFileKms.open(file);
    await expect(stat(stale)).rejects.toThrow(/ENOENT/);
    expect((await stat(young)).isFile()).toBe(true);
  });
});
