import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { and, eq, inArray, like, ne } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptStream } from '../../media/encryption/format.js';
import { probeMedia } from '../../media/recording/compose.js';
import { openDatabase, type Database } from '../../backend/src/db/client.js';
import { auditEvents, outboxMessages, recordings } from '../../backend/src/db/schema/index.js';
import { recordingKeyFor } from '../../backend/src/services/recordings/keys.js';
import { bundledChild } from '../support/child-bundle.js';
import { freshPostgresUrl } from '../support/databases.js';
import { seededRandom } from '../support/fakes/seeded-random.js';
import { captureRawCall, localStores, plaintextMediaUnder, seedEndedRecordedCall, seedTenant, waitFor, type SeededRecording } from '../support/recording-fixtures.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
/** Kills that must find a job in progress; kills between jobs do not count, up to a cap. */
const KILLS_IN_PIPELINE = 30;
const MAX_KILLS = 45;
const SEED = 0x5eed_c4a5;
/**
 * Stages a job reports as it enters them. `verified` lasts until `done`: storing, the `stored`
 * commit and raw removal. `stored` itself is not reported, so kills reach it from `verified`.
 */
const STAGES = ['converting', 'muxing', 'encrypting', 'verified'] as const;
type Stage = (typeof STAGES)[number];
/** How long each stage takes on a quiet machine; replaced by what this run measures. */
const QUIET_MS: Record<Stage, number> = { converting: 1_000, muxing: 800, encrypting: 50, verified: 100 };
/** Unfinished recordings kept queued, so every kill finds work in progress. */
const MIN_QUEUED = 2;

interface StageEvent {
  recordingId: string;
  stage: string;
  time: number;
}

interface WorkerProcess {
  pid: number;
  /** Lets the loaded worker start: sweep, then take due recordings. */
  start(): void;
  /** True once stdout carried a matching line (earlier lines count); false on timeout or exit. */
  sawLine(match: (line: string) => boolean, timeoutMs: number): Promise<boolean>;
  stages(): StageEvent[];
  /**
   * SIGKILL to the worker alone, as `kill -9 <pid>` does: a media tool it was running lives on
   * until its output pipe breaks, possibly while the next worker sweeps the same work folder.
   */
  kill(): Promise<void>;
  output(): string;
}

/** Every worker started, so afterAll can end any still running. */
const workers: WorkerProcess[] = [];

/** tests/support/recording-worker-child.ts, bundled: see bundledChild. */
let workerBundle: string;

function spawnWorker(databaseUrl: string, dataDir: string): WorkerProcess {
  // Node itself, not `npx tsx`: the pid signalled is the worker's, and the one its lease names.
  const child = spawn(process.execPath, [workerBundle], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: databaseUrl, PARLEY_DATA_DIR: dataDir },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('worker did not start');
  const lines: string[] = [];
  let stderr = '';
  let waiters: (() => void)[] = [];
  const wake = () => {
    const woken = waiters;
    waiters = [];
    for (const w of woken) w();
  };
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    wake();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-10_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(wake);
  const running = () => child.exitCode === null && child.signalCode === null;

  const worker: WorkerProcess = {
    pid: child.pid,
    start: () => void child.stdin.write('start\n'),
    async sawLine(match, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (lines.some(match)) return true;
        if (!running() || Date.now() >= deadline) return false;
        await Promise.race([new Promise<void>((resolve) => waiters.push(resolve)), sleep(Math.max(0, deadline - Date.now()))]);
      }
    },
    stages: () =>
      lines
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Partial<StageEvent>)
        .filter((event): event is StageEvent => typeof event.stage === 'string' && typeof event.recordingId === 'string'),
    async kill() {
      if (running()) child.kill('SIGKILL');
      await exited;
    },
    output: () => `${lines.slice(-40).join('\n')}\n${stderr}`,
  };
  workers.push(worker);
  return worker;
}

const reached = (stage: string) => (line: string) => line.startsWith('{') && (JSON.parse(line) as { stage?: string }).stage === stage;

/** Each stage's duration every time a worker got through it, from the workers' own stage lines. */
function stageDurations(): Record<Stage, number[]> {
  const seen: Record<Stage, number[]> = { converting: [], muxing: [], encrypting: [], verified: [] };
  for (const worker of workers) {
    const events = worker.stages();
    for (const [i, event] of events.entries()) {
      const after = events.slice(i + 1).find((e) => e.recordingId === event.recordingId);
      if (after && (STAGES as readonly string[]).includes(event.stage)) seen[event.stage as Stage].push(after.time - event.time);
    }
  }
  return seen;
}

const median = (values: number[]) => [...values].sort((x, y) => x - y)[values.length >> 1];

/**
 * Where the next kill falls: after `ready` anywhere within a whole job, or within one stage of
 * entering it. Uniform delays over a whole job would almost never hit the last stages, which take
 * tens of milliseconds against seconds of composing. Windows are the median durations measured so
 * far, so the spread holds on a loaded machine, stretched a fifth so some kills land just after.
 */
function nextKill(random: () => number): { target: Stage | 'start'; delayMs: number } {
  const seen = stageDurations();
  const typical = (stage: Stage) => median(seen[stage]) ?? QUIET_MS[stage];
  const targets = ['start', ...STAGES] as const;
  const target = targets[Math.floor(random() * targets.length)]!;
  const windowMs = target === 'start' ? STAGES.reduce((sum, stage) => sum + typical(stage), 0) : typical(target);
  return { target, delayMs: Math.floor(random() * windowMs * 1.2) };
}

describe('recording pipeline under kill -9', () => {
  let database: Database;
  let databaseUrl: string;
  let dataDir: string;
  let rawTemplate: string;
  let tenant: { tenantId: string; agentId: string };
  const seeded: SeededRecording[] = [];

  const seed = async (count: number) => {
    for (let i = 0; i < count; i++) seeded.push(await seedEndedRecordedCall(database.db, dataDir, tenant, rawTemplate));
  };
  const unfinished = async () =>
    (await database.db.select({ id: recordings.id }).from(recordings).where(ne(recordings.stage, 'done'))).length;

  beforeAll(async () => {
    workerBundle = await bundledChild('tests/support/recording-worker-child.ts');
    // freshDatabase hides its URL, and the worker process needs it.
    databaseUrl = freshPostgresUrl();
    database = await openDatabase({ url: databaseUrl });
    await database.migrate();
    dataDir = await mkdtemp(path.join(tmpdir(), 'parley-crash-'));
    rawTemplate = await captureRawCall(3);
    tenant = await seedTenant(database.db, 'crash-safety');
    await seed(6);
  }, 120_000);

  afterAll(async () => {
    for (const worker of workers) await worker.kill();
    await database?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    if (rawTemplate) await rm(rawTemplate, { recursive: true, force: true });
  });

  it('stores every recording exactly once and leaves no plaintext after being killed at random points', async ({ annotate }) => {
    const random = seededRandom(SEED);
    const kills: { target: Stage | 'start'; delayMs: number; stage: string }[] = [];

    let next = spawnWorker(databaseUrl, dataDir);
    const inPipeline = () => kills.filter((kill) => kill.stage !== 'between jobs').length;
    while (inPipeline() < KILLS_IN_PIPELINE && kills.length < MAX_KILLS) {
      if ((await unfinished()) < MIN_QUEUED) await seed(MIN_QUEUED);
      const worker = next;
      worker.start();
      if (!(await worker.sawLine((line) => line === 'ready', 60_000))) throw new Error(`worker never became ready:\n${worker.output()}`);
      // The restart after this kill is already loading; it starts only once this worker is dead.
      next = spawnWorker(databaseUrl, dataDir);
      const { target, delayMs } = nextKill(random);
      if (target !== 'start' && !(await worker.sawLine(reached(target), 60_000))) {
        throw new Error(`no job reached ${target}:\n${worker.output()}`);
      }
      await sleep(delayMs);
      await worker.kill();
      // The lease names the killed process: whatever it holds is the job the kill interrupted.
      const [held] = await database.db
        .select({ stage: recordings.stage })
        .from(recordings)
        .where(like(recordings.leaseOwner, `%:${worker.pid}:%`));
      kills.push({ target, delayMs, stage: held?.stage ?? 'between jobs' });
    }

    const byStage = new Map<string, number>();
    for (const kill of kills) byStage.set(kill.stage, (byStage.get(kill.stage) ?? 0) + 1);
    const spread = [...byStage].map(([stage, count]) => `${stage} ${count}`);
    await annotate(`${kills.length} kills (seed ${SEED}) found: ${spread.join(', ')}`);
    const killedIn = (...stages: string[]) => kills.filter((kill) => stages.includes(kill.stage)).length;
    expect(inPipeline(), spread.join(', ')).toBeGreaterThanOrEqual(KILLS_IN_PIPELINE);
    expect(killedIn('converting'), spread.join(', ')).toBeGreaterThan(0);
    expect(killedIn('muxing'), spread.join(', ')).toBeGreaterThan(0);
    expect(killedIn('encrypting'), spread.join(', ')).toBeGreaterThan(0);
    expect(killedIn('verified', 'stored'), spread.join(', ')).toBeGreaterThan(0);

    const survivor = next;
    survivor.start();
    await waitFor(async () => ((await unfinished()) === 0 ? true : undefined), 120_000).catch((error: unknown) => {
      throw new Error(`recordings left unfinished after the last restart:\n${survivor.output()}`, { cause: error });
    });
    await survivor.kill();
    const seen = stageDurations();
    await annotate(`${seeded.length} recordings; median stage durations: ${STAGES.map((stage) => `${stage} ${median(seen[stage])} ms`).join(', ')}`);

    const ids = seeded.map((s) => s.recordingId);
    const rows = await database.db.select().from(recordings).where(inArray(recordings.id, ids));
    expect(rows).toHaveLength(ids.length);
    for (const row of rows) expect(row, row.lastError ?? '').toMatchObject({ stage: 'done', leaseOwner: null });

    // Exactly one object per recording, and nothing half-written beside them.
    const storeDir = path.join(dataDir, 'store', 'tenants', tenant.tenantId, 'recordings');
    expect((await readdir(storeDir)).sort()).toEqual(ids.map((id) => `${id}.prly`).sort());

    const stores = localStores(dataDir);
    const checkDir = await mkdtemp(path.join(tmpdir(), 'parley-crash-check-'));
    try {
      for (const row of rows) {
        expect(row.objectKey).toBe(`tenants/${tenant.tenantId}/recordings/${row.id}.prly`);
        const key = await recordingKeyFor({ db: database.db, masterKeys: stores.masterKeys }, row);
        const chunks: Buffer[] = [];
        await pipeline(
          [await readFile(path.join(dataDir, 'store', row.objectKey!))],
          decryptStream(key),
          new Writable({ write: (piece: Buffer, _e, done) => (chunks.push(piece), done()) }),
        );
        key.fill(0);
        const media = Buffer.concat(chunks);
        expect(createHash('sha256').update(media).digest('hex'), row.id).toBe(row.mediaSha256);
        const file = path.join(checkDir, `${row.id}.webm`);
        await writeFile(file, media);
        expect((await probeMedia(file)).streams.map((s) => s.type).sort(), row.id).toEqual(['audio', 'video']);
        await rm(file);
      }
    } finally {
      await rm(checkDir, { recursive: true, force: true });
    }

    // The ticket note and the audit trail see each recording stored once, however often it was retried.
    const stored = await database.db
      .select({ subjectId: auditEvents.subjectId })
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'recording.stored'), inArray(auditEvents.subjectId, ids)));
    expect(stored.map((event) => event.subjectId).sort()).toEqual([...ids].sort());
    const notes = await database.db
      .select({ key: outboxMessages.idempotencyKey })
      .from(outboxMessages)
      .where(like(outboxMessages.idempotencyKey, 'recording:%:stored'));
    expect(notes.map((note) => note.key).sort()).toEqual(ids.map((id) => `recording:${id}:stored`).sort());

    expect(await plaintextMediaUnder(dataDir)).toEqual([]);
    expect(await readdir(path.join(dataDir, 'recordings', 'work')).catch(() => [])).toEqual([]);
    for (const { rawDir } of seeded) await expect(stat(rawDir)).rejects.toThrow(/ENOENT/);
  }, 360_000);
});
