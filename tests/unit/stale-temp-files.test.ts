import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { STALE_TEMP_MS, sweepStaleTempFiles } from '../../backend/src/services/stale-temp-files.js';

describe('files crashed export runs left under tmp', () => {
  let dataDir: string | undefined;
  afterEach(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('go once idle long enough; a file still being written stays', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'parley-tmp-sweep-'));
    const dsar = path.join(dataDir, 'tmp', 'dsar-exports');
    const account = path.join(dataDir, 'tmp', 'account-exports');
    await mkdir(dsar, { recursive: true });
    await mkdir(account, { recursive: true });
    const dead = path.join(dsar, 'a.age.partial');
    const deadToo = path.join(account, 'b.age.partial');
    const writing = path.join(dsar, 'c.age.partial');
    for (const file of [dead, deadToo, writing]) await writeFile(file, 'ciphertext');
    const longAgo = new Date(Date.now() - STALE_TEMP_MS - 60_000);
    for (const file of [dead, deadToo]) await utimes(file, longAgo, longAgo);

    expect(await sweepStaleTempFiles({ dataDir, logger: pino({ level: 'silent' }) })).toBe(2);
    expect(await readdir(dsar)).toEqual(['c.age.partial']);
    expect(await readdir(account)).toEqual([]);
    // No tmp folder at all (a fresh data dir) is nothing to do.
    expect(await sweepStaleTempFiles({ dataDir: path.join(dataDir, 'none'), logger: pino({ level: 'silent' }) })).toBe(0);
  });
});
