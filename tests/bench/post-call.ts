import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { composeRecording } from '../../media/recording/compose.js';
import { openDatabase, type Database } from '../../backend/src/db/client.js';
import { runRecordingJob } from '../../backend/src/services/recordings/pipeline.js';
import { captureRawCall, localStores, pipelineDeps, seedEndedRecordedCall, seedTenant } from '../support/recording-fixtures.js';
import { median } from './load.js';

export const CALL_SECONDS = 60;
export const POST_CALL_RUNS = 5;

/** Stages as the pipeline writes them, in order; offsets are ms after runRecordingJob was called. */
export const STAGES = ['converting', 'muxing', 'encrypting', 'verified', 'stored', 'done'] as const;
export type Stage = (typeof STAGES)[number];

export interface ParleyRun {
  stages: Record<Stage, number>;
  /** When runRecordingJob resolved: also released its lease. */
  returnedMs: number;
  sealedBytes: number;
}

export interface PostCallFigures {
  callSeconds: number;
  /** Reused from PARLEY_BENCH_RAW_CALL instead of captured in this run. */
  rawReused: boolean;
  rawBytes: number;
  composedBytes: number;
  baselineMs: number[];
  parley: ParleyRun[];
  database: string;
}

export const storedMs = (figures: PostCallFigures) => median(figures.parley.map((r) => r.stages.stored));
export const doneMs = (figures: PostCallFigures) => median(figures.parley.map((r) => r.stages.done));

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) total += (await stat(path.join(dir, name))).size;
  return total;
}

/**
 * Stage changes stamped by the database as they are written, so the bench learns when a job was
 * `stored` without touching the pipeline. Bench database only.
 */
async function stampStageChanges(database: Database): Promise<void> {
  const statements = [
    'create table bench_stage_changes (recording_id uuid not null, stage text not null, at_ms double precision not null)',
    `create function bench_stamp_stage() returns trigger language plpgsql as $$
     begin
       insert into bench_stage_changes values (new.id, new.stage::text, extract(epoch from clock_timestamp()) * 1000);
       return new;
     end $$`,
    `create trigger bench_stamp_stage after update of stage on recordings
     for each row when (old.stage is distinct from new.stage) execute function bench_stamp_stage()`,
  ];
  for (const statement of statements) await database.db.execute(sql.raw(statement));
}

async function stagesOf(database: Database, recordingId: string, startedAt: number): Promise<Record<Stage, number>> {
  const rows = (await database.db.execute(sql`select stage, at_ms from bench_stage_changes where recording_id = ${recordingId}`)) as unknown as
    | { rows: { stage: string; at_ms: number }[] }
    | { stage: string; at_ms: number }[];
  const list = Array.isArray(rows) ? rows : rows.rows;
  const stages = {} as Record<Stage, number>;
  for (const stage of STAGES) {
    const row = list.find((r) => r.stage === stage);
    if (!row) throw new Error(`recording ${recordingId} never reached stage ${stage}`);
    stages[stage] = Number(row.at_ms) - startedAt;
  }
  return stages;
}

/**
 * Post-call latency of a 60 s two-person audio+video call, from the worker picking the job up to
 * the recording stored (and to raw media removed), against composing the same raw files with
 * media/recording alone. Runs alternate baseline and Parley, after one discarded pair.
 */
export async function benchPostCall(log: (message: string) => void): Promise<PostCallFigures> {
  const root = await mkdtemp(path.join(tmpdir(), 'parley-bench-post-call-'));
  // Opt-in for repeated runs: a folder of raw files kept between runs (captured into it when empty).
  const kept = process.env.PARLEY_BENCH_RAW_CALL;
  const rawReused = kept !== undefined && existsSync(kept) && (await readdir(kept)).some((name) => name.endsWith('.mjr'));
  let database: Database | undefined;
  let captured: string | undefined;
  try {
    let rawDir = kept!;
    if (!rawReused) {
      log(`post-call: capturing a ${CALL_SECONDS} s two-person call in real time`);
      rawDir = captured = await captureRawCall(CALL_SECONDS);
      if (kept) await cp(captured, kept, { recursive: true });
    }

    const dataDir = path.join(root, 'data');
    const baselineDir = path.join(root, 'baseline');
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await mkdir(baselineDir, { recursive: true });
    database = await openDatabase({ dataDir });
    await database.migrate();
    await stampStageChanges(database);
    const stores = localStores(dataDir);
    const tenant = await seedTenant(database.db, 'bench-post-call');

    let composedBytes = 0;
    const baseline = async (n: number): Promise<number> => {
      const outFile = path.join(baselineDir, `call-${n}.webm`);
      const started = performance.now();
      await composeRecording({ rawDir, outFile, media: 'audio+video' });
      const ms = performance.now() - started;
      composedBytes = (await stat(outFile)).size;
      await rm(outFile, { force: true });
      return ms;
    };
    const parley = async (): Promise<ParleyRun> => {
      // Not measured: the rows and raw folder a finished call leaves behind.
      const seeded = await seedEndedRecordedCall(database!.db, dataDir, tenant, rawDir);
      const startedAt = Date.now();
      const outcome = await runRecordingJob(pipelineDeps(database!.db, dataDir, stores), seeded.recordingId);
      const returnedMs = Date.now() - startedAt;
      if (outcome !== 'done') throw new Error(`recording job ended ${outcome}, not done`);
      const stored = path.join(dataDir, 'store', 'tenants', seeded.tenantId, 'recordings', `${seeded.recordingId}.prly`);
      const sealedBytes = (await stat(stored)).size;
      await rm(stored);
      return { stages: await stagesOf(database!, seeded.recordingId, startedAt), returnedMs, sealedBytes };
    };

    log('post-call: warm-up (not counted)');
    await baseline(-1);
    await parley();
    const baselineMs: number[] = [];
    const runs: ParleyRun[] = [];
    for (let n = 0; n < POST_CALL_RUNS; n++) {
      log(`post-call: run ${n + 1} of ${POST_CALL_RUNS}`);
      baselineMs.push(await baseline(n));
      runs.push(await parley());
    }
    return { callSeconds: CALL_SECONDS, rawReused, rawBytes: await folderBytes(rawDir), composedBytes, baselineMs, parley: runs, database: 'PGlite (embedded, on disk)' };
  } finally {
    await database?.close();
    await rm(root, { recursive: true, force: true });
    if (captured) await rm(captured, { recursive: true, force: true });
  }
}
