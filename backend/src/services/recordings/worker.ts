import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { inArray } from 'drizzle-orm';
import { recordings } from '../../db/schema/index.js';
import { createTicker } from '../ticker.js';
import { findDueRecordings, ownerIsGone } from './claim.js';
import { runRecordingJob, type JobOutcome, type PipelineDeps } from './pipeline.js';
import { sweepOrphanedRawMedia } from './sweep-raw.js';
import { wipePlaintext, workRoot } from './work-dir.js';

export interface RecordingWorker {
  /** Sweeps plaintext a crash left behind, then polls for due recordings until stopped. */
  start(): Promise<void>;
  /** A hint that a recording may be ready (a call just ended); the poll finds it anyway. */
  nudge(recordingId: string): void;
  stop(): Promise<void>;
  /** Runs every due recording once, one after another; for tests and the CLI. */
  drain(): Promise<Map<string, JobOutcome>>;
}

/**
 * One recording at a time per instance: composing is CPU-bound, and several instances share the
 * work through leases in the database.
 */
export function createRecordingWorker(deps: PipelineDeps, options: { pollIntervalMs: number }): RecordingWorker {
  const queue = new Set<string>();
  let running: Promise<void> | undefined;
  let stopped = true;

  const pump = (): void => {
    if (running || stopped) return;
    running = (async () => {
      while (!stopped && queue.size > 0) {
        const [next] = queue;
        queue.delete(next!);
        await runRecordingJob(deps, next!).catch((error: unknown) => deps.logger.error({ err: error, recordingId: next }, 'recording job crashed'));
      }
    })().finally(() => {
      running = undefined;
      if (!stopped && queue.size > 0) pump();
    });
  };

  const poll = async (): Promise<void> => {
    for (const id of await findDueRecordings(deps.db)) queue.add(id);
    pump();
  };
  const ticker = createTicker(poll, options.pollIntervalMs, (error) => deps.logger.warn({ err: error }, 'recording poll failed'));

  return {
    async start() {
      stopped = false;
      await sweepAbandonedPlaintext(deps);
      await sweepOrphanedRawMedia(deps);
      // Work a previous run left is taken up at once, not after the first interval.
      await poll().catch((error: unknown) => deps.logger.warn({ err: error }, 'recording poll failed'));
      ticker.start();
    },
    nudge(recordingId) {
      queue.add(recordingId);
      pump();
    },
    async stop() {
      stopped = true;
      await ticker.stop();
      await running;
    },
    async drain() {
      const outcomes = new Map<string, JobOutcome>();
      for (const id of await findDueRecordings(deps.db, 1000)) outcomes.set(id, await runRecordingJob(deps, id));
      return outcomes;
    },
  };
}

/**
 * Plaintext a killed worker left in work folders. A folder whose job another live worker holds is
 * left alone; the rest lose everything but verified ciphertext, and folders of finished or unknown
 * recordings go entirely.
 */
export async function sweepAbandonedPlaintext(deps: Pick<PipelineDeps, 'db' | 'dataDir' | 'logger'>): Promise<number> {
  const root = workRoot(deps.dataDir);
  const names = await readdir(root).catch(() => [] as string[]);
  if (names.length === 0) return 0;
  const uuids = names.filter((name) => /^[0-9a-f-]{36}$/.test(name));
  const rows = uuids.length ? await deps.db.select().from(recordings).where(inArray(recordings.id, uuids)) : [];
  const byId = new Map(rows.map((row) => [row.id, row]));
  const now = Date.now();
  let swept = 0;
  for (const name of names) {
    const dir = path.join(root, name);
    const row = byId.get(name);
    if (!row || row.stage === 'done' || row.stage === 'failed') {
      await rm(dir, { recursive: true, force: true });
      swept += 1;
      continue;
    }
    const heldByOther = row.leaseOwner && row.leaseExpiresAt && row.leaseExpiresAt.getTime() > now && !ownerIsGone(row.leaseOwner);
    if (heldByOther) continue;
    await wipePlaintext(dir);
    swept += 1;
  }
  if (swept > 0) deps.logger.info({ folders: swept }, 'removed plaintext left by an interrupted recording job');
  return swept;
}
