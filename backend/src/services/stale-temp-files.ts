import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../logger.js';

/** A file under the data dir's tmp folder not written to for this long belongs to a run that died. */
export const STALE_TEMP_MS = 6 * 3_600_000;

/**
 * Removes what crashed export runs left in `<data dir>/tmp/<kind>/`: encrypted `.partial`
 * bundles whose passphrase died with the run, so they can never be opened, only fill the disk.
 * A run still writing touches its file all the time, so only files idle for `STALE_TEMP_MS` go.
 */
export async function sweepStaleTempFiles(deps: { dataDir: string; logger: Logger }, now: Date = new Date()): Promise<number> {
  const root = path.join(deps.dataDir, 'tmp');
  let removed = 0;
  for (const kind of await readdir(root).catch(() => [] as string[])) {
    const dir = path.join(root, kind);
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const file = path.join(dir, name);
      const info = await stat(file).catch(() => null);
      if (!info?.isFile() || now.getTime() - info.mtimeMs < STALE_TEMP_MS) continue;
      await rm(file, { force: true });
      removed += 1;
    }
  }
  if (removed > 0) deps.logger.info({ files: removed }, 'removed files that crashed export runs left');
  return removed;
}
