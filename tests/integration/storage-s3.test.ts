import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeS3, type FakeS3 } from '../../backend/src/adapters/storage/fake-s3-server.js';
import { S3BlobStore, type S3BlobStoreOptions } from '../../backend/src/adapters/storage/s3-blob-store.js';
import { BlobNotFoundError, BlobStoreUnavailableError } from '../../backend/src/ports/blob-store.js';
import { readAt } from '../../media/encryption/header.js';

const BUCKET = 'parley-recordings';
const PREFIX = 'eu/';
const MiB = 1024 * 1024;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
/** Arrives in 1 MiB pieces, as a file or socket would deliver it. */
const streamOf = (bytes: Buffer) => Readable.from(Array.from({ length: Math.ceil(bytes.length / MiB) }, (_, i) => bytes.subarray(i * MiB, (i + 1) * MiB)));

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('recordings in S3-compatible storage', () => {
  let fake: FakeS3;
  let store: S3BlobStore;
  const stores: S3BlobStore[] = [];
  const storeWith = (overrides: Partial<S3BlobStoreOptions> = {}) => {
    const created = new S3BlobStore({
      location: 'eu-s3',
      region: fake.region,
      bucket: BUCKET,
      prefix: PREFIX,
      endpoint: fake.url,
      forcePathStyle: true,
      credentials: fake.credentials,
      requestTimeoutMs: 10_000,
      ...overrides,
    });
    stores.push(created);
    return created;
  };
  const stored = (key: string) => fake.controls.objects(BUCKET).get(`${PREFIX}${key}`);

  beforeAll(async () => {
    fake = await startFakeS3({ region: 'eu-central-1' });
    store = storeWith();
  });
  afterEach(() => {
    fake.controls.failOnly(null);
    fake.controls.setServerErrors(0);
    fake.controls.setFull(false);
  });
  afterAll(async () => {
    for (const created of stores) created.close();
    await fake.close();
  });

  it('stores, sizes, reads back and deletes a recording under the prefix', async () => {
    const body = randomBytes(300 * 1024 + 7);
    await store.put('call-1/audio.enc', streamOf(body), body.length);

    expect(await store.head('call-1/audio.enc')).toEqual({ size: body.length });
    expect(stored('call-1/audio.enc')).toMatchObject({ size: body.length, sha256: sha256(body), parts: 1 });
    const reader = await store.open('call-1/audio.enc');
    expect(await reader.stat()).toEqual({ size: body.length });
    expect(sha256(await readAt(reader, 0, body.length))).toBe(sha256(body));
    await reader.close();

    await store.delete('call-1/audio.enc');
    expect(await store.head('call-1/audio.enc')).toBeNull();
    expect(stored('call-1/audio.enc')).toBeUndefined();
    await expect(store.delete('call-1/audio.enc')).resolves.toBeUndefined();
  });

  it('stores a finished local file and removes it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parley-s3-put-file-'));
    const file = join(dir, 'bundle.age');
    const body = randomBytes(6 * MiB + 3);
    await writeFile(file, body);
    await store.putFile('exports/bundle.age', file);
    expect(stored('exports/bundle.age')).toMatchObject({ size: body.length, sha256: sha256(body) });
    expect(existsSync(file)).toBe(false);
    await rm(dir, { recursive: true, force: true });
  });

  it('writing a key again replaces the object', async () => {
    await store.put('call-2/audio.enc', streamOf(Buffer.from('first take')), 10);
    await store.put('call-2/audio.enc', streamOf(Buffer.from('second, longer take')), 19);
    const reader = await store.open('call-2/audio.enc');
    expect((await readAt(reader, 0, 100)).toString()).toBe('second, longer take');
  });

  it('a reader opened before the object was replaced fails rather than mixing two versions', async () => {
    await store.put('call-2b/audio.enc', streamOf(Buffer.from('version one')), 11);
    const reader = await store.open('call-2b/audio.enc');
    expect((await readAt(reader, 0, 7)).toString()).toBe('version');
    await store.put('call-2b/audio.enc', streamOf(Buffer.from('VERSION TWO')), 11);
    await expect(reader.read(Buffer.alloc(4), 0, 4, 7)).rejects.toThrow(/HTTP 412 PreconditionFailed/);
  });

  it('reads ranges at the start, in the middle and at the end with one ranged GET each', async () => {
    const body = randomBytes(64 * 1024);
    await store.put('call-3/audio.enc', streamOf(body), body.length);
    const reader = await store.open('call-3/audio.enc');
    const gets = () => fake.controls.requests().filter((r) => r.operation === 'GetObject' && r.status === 206).length;
    const before = gets();

    expect(await readAt(reader, 0, 100)).toEqual(body.subarray(0, 100));
    expect(await readAt(reader, 30_000, 5000)).toEqual(body.subarray(30_000, 35_000));
    expect(await readAt(reader, body.length - 321, 321)).toEqual(body.subarray(body.length - 321));
    expect(gets() - before).toBe(3);

    const buffer = Buffer.alloc(10, 0xee);
    expect(await reader.read(buffer, 2, 4, 1000)).toEqual({ bytesRead: 4 });
    expect(buffer).toEqual(Buffer.concat([Buffer.from([0xee, 0xee]), body.subarray(1000, 1004), Buffer.alloc(4, 0xee)]));
  });

  it('reading past the end returns 0 bytes, and a read across the end stops there', async () => {
    const body = randomBytes(1000);
    await store.put('call-4/audio.enc', streamOf(body), body.length);
    const reader = await store.open('call-4/audio.enc');
    const buffer = Buffer.alloc(64);

    expect(await reader.read(buffer, 0, 64, 1000)).toEqual({ bytesRead: 0 });
    expect(await reader.read(buffer, 0, 64, 5000)).toEqual({ bytesRead: 0 });
    expect(await reader.read(buffer, 0, 64, 990)).toEqual({ bytesRead: 10 });
    expect(buffer.subarray(0, 10)).toEqual(body.subarray(990));
  });

  it('sends a 20 MiB recording up in parts and stores exactly its bytes', async () => {
    const body = randomBytes(20 * MiB);
    const partsBefore = fake.controls.partsReceived();
    await store.put('call-5/video.enc', streamOf(body), body.length);

    expect(fake.controls.partsReceived() - partsBefore).toBe(3);
    expect(stored('call-5/video.enc')).toMatchObject({ size: body.length, sha256: sha256(body), parts: 3 });
    expect(fake.controls.uploadsInProgress()).toBe(0);
    const reader = await store.open('call-5/video.enc');
    expect(sha256(await readAt(reader, 0, body.length))).toBe(sha256(body));
    expect(await readAt(reader, 8 * MiB - 3, 6)).toEqual(body.subarray(8 * MiB - 3, 8 * MiB + 3));
  });

  it('an upload failing after its first part leaves no object and no upload behind, and is worth retrying', async () => {
    const body = randomBytes(20 * MiB);
    const partsBefore = fake.controls.partsReceived();
    // The store starts refusing parts only once the first one has been accepted.
    async function* throttledAfterFirstPart() {
      yield body.subarray(0, 8 * MiB + 1);
      await until(() => fake.controls.partsReceived() > partsBefore);
      fake.controls.failOnly(['UploadPart']);
      fake.controls.setServerErrors(1, 503);
      yield body.subarray(8 * MiB + 1);
    }

    await expect(store.put('call-6/video.enc', Readable.from(throttledAfterFirstPart()), body.length)).rejects.toThrow(BlobStoreUnavailableError);
    expect(fake.controls.partsReceived() - partsBefore).toBe(1);
    expect(stored('call-6/video.enc')).toBeUndefined();
    expect(await store.head('call-6/video.enc')).toBeNull();
    expect(fake.controls.uploadsInProgress()).toBe(0);
    expect(fake.controls.requests().some((r) => r.operation === 'AbortMultipartUpload' && r.status === 204)).toBe(true);
  });

  it('a failed replacement keeps the previous object whole', async () => {
    const first = randomBytes(1000);
    await store.put('call-7/audio.enc', streamOf(first), first.length);
    fake.controls.setFull(true);

    const second = randomBytes(12 * MiB);
    await expect(store.put('call-7/audio.enc', streamOf(second), second.length)).rejects.toThrow(/XMinioStorageFull/);
    expect(stored('call-7/audio.enc')).toMatchObject({ size: first.length, sha256: sha256(first) });
    expect(fake.controls.uploadsInProgress()).toBe(0);
  });

  it('a full store refuses the write as unavailable, not as a bad request', async () => {
    fake.controls.setFull(true);
    const error = await store.put('call-8/audio.enc', streamOf(Buffer.from('x')), 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlobStoreUnavailableError);
    expect(String(error)).toMatch(/HTTP 507 XMinioStorageFull/);
    expect(stored('call-8/audio.enc')).toBeUndefined();
  });

  it('a body shorter or longer than declared stores nothing', async () => {
    await expect(store.put('call-9/audio.enc', streamOf(Buffer.alloc(5)), 10)).rejects.toThrow(/ended after 5 of the declared 10 bytes/);
    await expect(store.put('call-9/audio.enc', streamOf(Buffer.alloc(11 * MiB)), 6 * MiB)).rejects.toThrow(/longer than the declared/);
    expect(stored('call-9/audio.enc')).toBeUndefined();
    expect(fake.controls.uploadsInProgress()).toBe(0);
  });

  it('a wrong secret key is refused by the signature check with an error that says so', async () => {
    const wrongSecret = storeWith({ credentials: { accessKeyId: fake.credentials.accessKeyId, secretAccessKey: `${fake.credentials.secretAccessKey}x` } });

    const error = await wrongSecret.put('call-10/audio.enc', streamOf(Buffer.from('hello')), 5).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(BlobStoreUnavailableError);
    expect((error as Error).message).toMatch(/HTTP 403 SignatureDoesNotMatch.*check the access key, the secret key/);
    expect(fake.controls.requests().at(-1)).toEqual({ operation: 'PutObject', status: 403 });
    expect(stored('call-10/audio.enc')).toBeUndefined();
    await expect(wrongSecret.head('call-10/audio.enc')).rejects.toThrow(/HTTP 403 Forbidden/);

    const unknownKey = storeWith({ credentials: { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: fake.credentials.secretAccessKey } });
    await expect(unknownKey.delete('call-10/audio.enc')).rejects.toThrow(/InvalidAccessKeyId/);
  });

  it('a missing object is BlobNotFoundError on open, null on head, and no error on delete', async () => {
    await expect(store.open('never-stored.enc')).rejects.toThrow(BlobNotFoundError);
    expect(await store.head('never-stored.enc')).toBeNull();
    await expect(store.delete('never-stored.enc')).resolves.toBeUndefined();
  });

  it('a store that keeps answering 503 SlowDown is unavailable, not empty', async () => {
    await store.put('call-11/audio.enc', streamOf(Buffer.from('kept')), 4);
    const reader = await store.open('call-11/audio.enc');
    fake.controls.setServerErrors(1, 503);

    await expect(store.head('call-11/audio.enc')).rejects.toThrow(BlobStoreUnavailableError);
    await expect(reader.read(Buffer.alloc(4), 0, 4, 0)).rejects.toThrow(BlobStoreUnavailableError);
    fake.controls.setServerErrors(0);
    expect((await readAt(reader, 0, 4)).toString()).toBe('kept');
  });

  it('one throttled answer is retried and the write still lands', async () => {
    fake.controls.failNext(1, 503);
    await store.put('call-12/audio.enc', streamOf(Buffer.from('retried')), 7);
    expect(stored('call-12/audio.enc')).toMatchObject({ size: 7 });
  });

  it('a store nobody answers on is unavailable', async () => {
    const nowhere = storeWith({ endpoint: `http://127.0.0.1:${await closedPort()}` });
    await expect(nowhere.head('call-13/audio.enc')).rejects.toThrow(BlobStoreUnavailableError);
    await expect(nowhere.put('call-13/audio.enc', streamOf(Buffer.from('x')), 1)).rejects.toThrow(BlobStoreUnavailableError);
  });

  it('the endpoint refuses to complete an upload whose non-final part is under 5 MiB, as S3 does', async () => {
    const client = new S3Client({ region: fake.region, endpoint: fake.url, forcePathStyle: true, credentials: fake.credentials });
    const target = { Bucket: BUCKET, Key: 'small-parts.enc' };
    try {
      const { UploadId } = await client.send(new CreateMultipartUploadCommand(target));
      const Parts = [];
      for (const PartNumber of [1, 2]) {
        const { ETag } = await client.send(new UploadPartCommand({ ...target, UploadId, PartNumber, Body: Buffer.alloc(1024, PartNumber) }));
        Parts.push({ PartNumber, ETag });
      }
      await expect(client.send(new CompleteMultipartUploadCommand({ ...target, UploadId, MultipartUpload: { Parts } }))).rejects.toMatchObject({
        name: 'EntityTooSmall',
        $metadata: { httpStatusCode: 400 },
      });
      expect(fake.controls.objects(BUCKET).has('small-parts.enc')).toBe(false);
      await client.send(new AbortMultipartUploadCommand({ ...target, UploadId }));
      expect(fake.controls.uploadsInProgress()).toBe(0);
    } finally {
      client.destroy();
    }
  });

  it('a store that accepts the connection and never answers times out as unavailable', async () => {
    const silent = createHttpServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const hanging = storeWith({ endpoint: `http://127.0.0.1:${(silent.address() as { port: number }).port}`, requestTimeoutMs: 200 });
      await expect(hanging.head('call-14/audio.enc')).rejects.toThrow(BlobStoreUnavailableError);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('refuses a part size S3 would reject', () => {
    expect(() => storeWith({ partSizeBytes: 4 * MiB })).toThrow(RangeError);
  });
});
