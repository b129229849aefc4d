import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeyStoreError, KeyUnwrapError } from '../../media/encryption/errors.js';
import { keyContext, newDataKey, unwrapKey, wrapKey, WRAPPED_KEY_LENGTH } from '../../media/encryption/keys.js';
import { rewrap } from '../../media/encryption/kms.js';
import { LocalKeyFileKms } from '../../media/encryption/local-key-file-kms.js';

describe('wrapKey / unwrapKey', () => {
  const subjectKey = newDataKey();
  const recordingKey = newDataKey();
  const context = keyContext('recording', 'rec_42');

  it('gives back the key under the same wrapping key and context', () => {
    const wrapped = wrapKey(subjectKey, recordingKey, context);
    expect(wrapped.length).toBe(WRAPPED_KEY_LENGTH);
    expect(wrapped.includes(recordingKey)).toBe(false);
    expect(unwrapKey(subjectKey, wrapped, context).equals(recordingKey)).toBe(true);
  });

  it('refuses another owner, another purpose, another wrapping key and altered bytes', () => {
    const wrapped = wrapKey(subjectKey, recordingKey, context);
    expect(() => unwrapKey(subjectKey, wrapped, keyContext('recording', 'rec_43'))).toThrow(KeyUnwrapError);
    expect(() => unwrapKey(subjectKey, wrapped, keyContext('subject', 'rec_42'))).toThrow(KeyUnwrapError);
    expect(() => unwrapKey(newDataKey(), wrapped, context)).toThrow(KeyUnwrapError);
    for (const at of [0, 5, 20, WRAPPED_KEY_LENGTH - 1]) {
      const altered = Buffer.from(wrapped);
      altered[at] = altered[at]! ^ 0x01;
      expect(() => unwrapKey(subjectKey, altered, context), `byte ${at}`).toThrow(KeyUnwrapError);
    }
    expect(() => unwrapKey(subjectKey, wrapped.subarray(1), context)).toThrow(KeyUnwrapError);
  });

  it('makes fresh, distinct keys and refuses owner ids that could blur two contexts', () => {
    expect(newDataKey().length).toBe(32);
    expect(newDataKey().equals(newDataKey())).toBe(false);
    expect(() => keyContext('subject', 'a:b')).toThrow(TypeError);
    expect(() => keyContext('subject', '')).toThrow(TypeError);
    expect(() => wrapKey(subjectKey, recordingKey, '')).toThrow(TypeError);
  });
});

describe('LocalKeyFileKms', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'parley-kms-'));
    file = path.join(dir, 'keys', 'tenant-1.json');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const context = keyContext('subject', 'subj_7');

  it('creates the key file owner-only (0600) on first use and reuses it after', async () => {
    const kms = await LocalKeyFileKms.open(file);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(kms.keyId).toMatch(/^mk-[0-9a-f]{16}$/);
    const subjectKey = newDataKey();
    const wrapped = await kms.wrap(subjectKey, context);
    const again = await LocalKeyFileKms.open(file);
    expect(again.keyId).toBe(kms.keyId);
    expect((await again.unwrap(wrapped, context)).equals(subjectKey)).toBe(true);
    expect(await readFile(file, 'utf8')).not.toContain(subjectKey.toString('base64'));
  });

  it('refuses a key file readable by group or others', async () => {
    await LocalKeyFileKms.open(file);
    for (const mode of [0o644, 0o640, 0o604]) {
      await chmod(file, mode);
      await expect(LocalKeyFileKms.open(file), mode.toString(8)).rejects.toThrow(KeyStoreError);
    }
    await chmod(file, 0o644);
    await expect(LocalKeyFileKms.open(file)).rejects.toThrow(/mode 0644/);
  });

  it('refuses a malformed key file rather than replacing it', async () => {
    await LocalKeyFileKms.open(file);
    await writeFile(file, '{"format":"parley-local-kms","version":1,"keys":[]}', { mode: 0o600 });
    await expect(LocalKeyFileKms.open(file)).rejects.toThrow(KeyStoreError);
  });

  it('two openers racing on first use end up with one master key', async () => {
    const [a, b] = await Promise.all([LocalKeyFileKms.open(file), LocalKeyFileKms.open(file)]);
    expect(a.keyId).toBe(b.keyId);
  });

  it('a wrapped key opens only for its context', async () => {
    const kms = await LocalKeyFileKms.open(file);
    const wrapped = await kms.wrap(newDataKey(), context);
    await expect(kms.unwrap(wrapped, keyContext('subject', 'subj_8'))).rejects.toThrow(KeyUnwrapError);
  });

  it('rotation: new wraps use the new version, old ones still open, rewrap moves them, retiring shreds the rest', async () => {
    const kms = await LocalKeyFileKms.open(file);
    const first = kms.keyId;
    const subjectKey = newDataKey();
    const oldWrap = await kms.wrap(subjectKey, context);
    const leftBehind = await kms.wrap(newDataKey(), keyContext('subject', 'subj_9'));

    const second = await kms.rotate();
    expect(second).not.toBe(first);
    expect(kms.keyId).toBe(second);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await kms.unwrap(oldWrap, context)).equals(subjectKey)).toBe(true);

    const moved = await rewrap(oldWrap, context, kms, kms);
    expect(moved.keyId).toBe(second);
    expect((await kms.unwrap(moved, context)).equals(subjectKey)).toBe(true);

    await expect(kms.retire(second)).rejects.toThrow(KeyStoreError);
    await kms.retire(first);
    expect(kms.keyIds).toEqual([second]);
    await expect(kms.unwrap(leftBehind, keyContext('subject', 'subj_9'))).rejects.toThrow(KeyStoreError);
    expect((await (await LocalKeyFileKms.open(file)).unwrap(moved, context)).equals(subjectKey)).toBe(true);
  });

  it('another instance picks up a version rotated in elsewhere', async () => {
    const stale = await LocalKeyFileKms.open(file);
    const rotator = await LocalKeyFileKms.open(file);
    await rotator.rotate();
    const subjectKey = newDataKey();
    const wrapped = await rotator.wrap(subjectKey, context);
    expect((await stale.unwrap(wrapped, context)).equals(subjectKey)).toBe(true);
  });

  it('refuses to rotate while another rotation holds the lock', async () => {
    const kms = await LocalKeyFileKms.open(file);
    await writeFile(`${file}.lock`, '');
    await expect(kms.rotate()).rejects.toThrow(/another rotation/);
    await rm(`${file}.lock`);
    await expect(kms.rotate()).resolves.toMatch(/^mk-/);
  });
});
