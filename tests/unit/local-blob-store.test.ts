import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalBlobStore } from '../../backend/src/adapters/storage/local-blob-store.js';

describe('local blob store: storing a finished file', () => {
  let dir: string;
  let store: LocalBlobStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-local-store-'));
    store = new LocalBlobStore(join(dir, 'store'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('moves the file in under its key: the bytes are there, the source is gone, nothing partial is left', async () => {
    const source = join(dir, 'bundle.age.partial');
    const body = randomBytes(300_001);
    await writeFile(source, body);
    await store.putFile('exports/t1/e1.age', source);
    expect(existsSync(source)).toBe(false);
    expect(await store.head('exports/t1/e1.age')).toEqual({ size: body.length });
    expect((await readFile(join(dir, 'store', 'exports/t1/e1.age'))).equals(body)).toBe(true);
    expect(await readdir(join(dir, 'store', 'exports/t1'))).toEqual(['e1.age']);
  });

  it('replaces an object stored under the same key', async () => {
    const first = join(dir, 'first');
    const second = join(dir, 'second');
    await writeFile(first, 'first take');
    await writeFile(second, 'second, longer take');
    await store.putFile('exports/t1/e1.age', first);
    await store.putFile('exports/t1/e1.age', second);
    expect((await readFile(join(dir, 'store', 'exports/t1/e1.age'))).toString()).toBe('second, longer take');
  });

  it('refuses a key that would leave the store, and keeps the file', async () => {
    const source = join(dir, 'bundle');
    await writeFile(source, 'x');
    await expect(store.putFile('../outside', source)).rejects.toThrow();
    expect(existsSync(source)).toBe(true);
  });
});
