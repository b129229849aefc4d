import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeVault, type FakeVault } from '../../backend/src/adapters/kms/fake-vault-server.js';
import { VaultTransitKms, type VaultTransitOptions } from '../../backend/src/adapters/kms/vault-transit-kms.js';
import type { MasterKeys } from '../../backend/src/ports/master-keys.js';
import { unwrapRecordingKey } from '../../backend/src/services/recordings/keys.js';
import { KeyStoreError, KeyUnwrapError } from '../../media/encryption/errors.js';
import { decryptStream, encryptStream } from '../../media/encryption/format.js';
import { keyContext, newDataKey, wrapKey } from '../../media/encryption/keys.js';
import { rewrap, type WrappedKey } from '../../media/encryption/kms.js';
import { LocalKeyFileKms } from '../../media/encryption/local-key-file-kms.js';

const SUBJECT_ID = 'subj_01';
const subject = keyContext('subject', SUBJECT_ID);

/** Flips one base64 character in the middle of Vault's ciphertext, keeping it well-formed. */
function altered(wrapped: WrappedKey): WrappedKey {
  const text = wrapped.ciphertext.toString('utf8');
  const at = text.length - 20;
  const swapped = text[at] === 'A' ? 'B' : 'A';
  return { keyId: wrapped.keyId, ciphertext: Buffer.from(text.slice(0, at) + swapped + text.slice(at + 1), 'utf8') };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('tenant master key in Vault Transit', () => {
  let vault: FakeVault;
  let options: VaultTransitOptions;
  let kms: VaultTransitKms;

  beforeAll(async () => {
    vault = await startFakeVault();
    options = { address: vault.url, token: vault.token, keyName: 'tenant-1', createIfMissing: true, timeoutMs: 5_000 };
    kms = await VaultTransitKms.connect(options);
  });

  afterAll(async () => {
    await vault.close();
  });

  it('creates a missing key and names its version in keyId', () => {
    expect(kms.keyId).toBe('vault:tenant-1:v1');
    expect(vault.controls.keyVersions('tenant-1')).toBe(1);
  });

  it('wraps a data key as a vault:v1: ciphertext and unwraps it for the same context', async () => {
    const key = newDataKey();
    const wrapped = await kms.wrap(key, subject);
    expect(wrapped.keyId).toBe('vault:tenant-1:v1');
    expect(wrapped.ciphertext.toString('utf8')).toMatch(/^vault:v1:[A-Za-z0-9+/]+=*$/);
    expect(wrapped.ciphertext.includes(key)).toBe(false);
    expect((await kms.unwrap(wrapped, subject)).equals(key)).toBe(true);
  });

  it('refuses to open a wrapped key for another context', async () => {
    const wrapped = await kms.wrap(newDataKey(), subject);
    await expect(kms.unwrap(wrapped, keyContext('subject', 'subj_02'))).rejects.toThrow(KeyUnwrapError);
    await expect(kms.unwrap(wrapped, keyContext('recording', 'subj_01'))).rejects.toThrow(KeyUnwrapError);
  });

  it('refuses an altered ciphertext', async () => {
    const wrapped = await kms.wrap(newDataKey(), subject);
    await expect(kms.unwrap(altered(wrapped), subject)).rejects.toThrow(KeyUnwrapError);
  });

  it('refuses a key that is not derived, since Vault would ignore the context', async () => {
    const created = await fetch(`${vault.url}/v1/transit/keys/plain`, {
      method: 'POST',
      headers: { 'x-vault-token': vault.token, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'aes256-gcm96' }),
    });
    expect(created.status).toBe(200);
    const error = await rejection(VaultTransitKms.connect({ ...options, keyName: 'plain', createIfMissing: false }));
    expect(error).toBeInstanceOf(KeyStoreError);
    expect(error.message).toMatch(/not derived/);
  });

  it('reports a missing key without creating it unless asked', async () => {
    await expect(VaultTransitKms.connect({ ...options, keyName: 'absent', createIfMissing: false })).rejects.toThrow(KeyStoreError);
    expect(vault.controls.keyVersions('absent')).toBe(0);
  });

  it('a wrong token fails as KeyStoreError without the token in the message', async () => {
    const wrongToken = `hvs.${randomBytes(18).toString('base64url')}`;
    const error = await rejection(VaultTransitKms.connect({ ...options, token: wrongToken }));
    expect(error).toBeInstanceOf(KeyStoreError);
    expect(error.message).toMatch(/403/);
    expect(`${error.message}\n${error.stack}`).not.toContain(wrongToken);
    expect(`${error.message}\n${error.stack}`).not.toContain(vault.token);
  });

  it('a sealed or unavailable Vault (503) fails as KeyStoreError, and the next call works', async () => {
    const key = newDataKey();
    vault.controls.failNext(1, 503);
    await expect(kms.wrap(key, subject)).rejects.toThrow(KeyStoreError);
    await expect(kms.wrap(key, subject)).resolves.toMatchObject({ keyId: kms.keyId });
  });

  it('an unreachable Vault fails as KeyStoreError', async () => {
    const gone = await startFakeVault();
    await gone.close();
    const error = await rejection(VaultTransitKms.connect({ address: gone.url, token: gone.token, keyName: 'tenant-1' }));
    expect(error).toBeInstanceOf(KeyStoreError);
    expect(error.message).not.toContain(gone.token);
  });

  it('rotation: new wraps use the new version, older wraps still open', async () => {
    const own = await VaultTransitKms.connect({ ...options, keyName: 'rotating' });
    const key = newDataKey();
    const before = await own.wrap(key, subject);
    expect(await own.rotate()).toBe('vault:rotating:v2');
    expect(own.keyId).toBe('vault:rotating:v2');
    expect(vault.controls.keyVersions('rotating')).toBe(2);

    const after = await own.wrap(key, subject);
    expect(after.keyId).toBe('vault:rotating:v2');
    expect(after.ciphertext.toString('utf8')).toMatch(/^vault:v2:/);
    expect((await own.unwrap(before, subject)).equals(key)).toBe(true);
    expect((await own.unwrap(after, subject)).equals(key)).toBe(true);
  });

  it('rewrapInPlace moves a wrapped key to the current version inside Vault, keeping the key and its context', async () => {
    const own = await VaultTransitKms.connect({ ...options, keyName: 'in-place' });
    const key = newDataKey();
    const old = await own.wrap(key, subject);
    await own.rotate();

    const moved = await own.rewrapInPlace(old, subject);
    expect(moved.keyId).toBe('vault:in-place:v2');
    expect(moved.ciphertext.toString('utf8')).toMatch(/^vault:v2:/);
    expect((await own.unwrap(moved, subject)).equals(key)).toBe(true);
    await expect(own.unwrap(moved, keyContext('subject', 'subj_02'))).rejects.toThrow(KeyUnwrapError);
    await expect(own.rewrapInPlace(old, keyContext('subject', 'subj_02'))).rejects.toThrow(KeyUnwrapError);
  });

  it('rewrap() migrates a wrapped key from a local key file to Vault and back', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'parley-vault-kms-'));
    try {
      const local = await LocalKeyFileKms.open(path.join(dir, 'tenant-1.json'));
      const key = newDataKey();
      const onDisk = await local.wrap(key, subject);

      const inVault = await rewrap(onDisk, subject, local, kms);
      expect(inVault.keyId).toBe(kms.keyId);
      expect((await kms.unwrap(inVault, subject)).equals(key)).toBe(true);
      // Each service refuses the other's wrapped keys instead of misreading them.
      await expect(kms.unwrap(onDisk, subject)).rejects.toThrow(KeyStoreError);
      await expect(local.unwrap(inVault, subject)).rejects.toThrow(KeyStoreError);

      const back = await rewrap(inVault, subject, kms, local);
      expect(back.keyId).toBe(local.keyId);
      expect((await local.unwrap(back, subject)).equals(key)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('carries the whole key hierarchy: media under a recording key, under a subject key, under Vault', async () => {
    const recordingId = 'rec_01';
    const media = randomBytes(3 * 1024 * 1024 + 777);
    const subjectKey = newDataKey();
    const subjectRow = { wrapped: await kms.wrap(subjectKey, subject) };
    const recordingKey = newDataKey();
    const recordingRow = { keyId: `rk-${recordingId}`, wrapped: wrapKey(subjectKey, recordingKey, keyContext('recording', recordingId)) };
    subjectKey.fill(0);
    recordingKey.fill(0);

    // The product's own unwrapping (services/recordings/keys.ts), with the rows as it reads them.
    const recordingKeyFor = async (keyId: string): Promise<Buffer> => {
      expect(keyId).toBe(recordingRow.keyId);
      const masterKeys: MasterKeys = { forTenant: async () => kms, destroy: async () => undefined };
      return unwrapRecordingKey(
        masterKeys,
        { id: recordingId, tenantId: 'tenant-1', wrappedKey: recordingRow.wrapped },
        { customerId: SUBJECT_ID, masterKeyId: subjectRow.wrapped.keyId, wrappedKey: subjectRow.wrapped.ciphertext },
      );
    };

    const sealed: Buffer[] = [];
    await pipeline(Readable.from([media]), encryptStream(await recordingKeyFor(recordingRow.keyId), recordingRow.keyId), new Writable({
      write: (piece: Buffer, _e, done) => (sealed.push(piece), done()),
    }));

    const out = createHash('sha256');
    await pipeline(Readable.from(sealed), decryptStream((header) => recordingKeyFor(header.keyId)), new Writable({
      write: (piece: Buffer, _e, done) => (out.update(piece), done()),
    }));
    expect(out.digest('hex')).toBe(createHash('sha256').update(media).digest('hex'));
    expect(Buffer.concat(sealed).includes(media.subarray(0, 64))).toBe(false);
  });
});
