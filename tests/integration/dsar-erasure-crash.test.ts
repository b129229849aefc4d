import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../backend/src/db/client.js';
import { auditEvents, customers, dsarRequests, recordings, subjectKeys } from '../../backend/src/db/schema/index.js';
import { bundledChild } from '../support/child-bundle.js';
import { freshPostgresUrl } from '../support/databases.js';
import { seedErasureSubject } from '../support/erasure-fixtures.js';
import { seededRandom } from '../support/fakes/seeded-random.js';
import { localStores, waitFor } from '../support/recording-fixtures.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const RECORDINGS = 200;
const KILLS = 12;
const SEED = 0xe2a5_e17;

interface WorkerProcess {
  pid: number;
  start(): void;
  ready(timeoutMs: number): Promise<boolean>;
  kill(): Promise<void>;
  output(): string;
}

const workers: WorkerProcess[] = [];

/** tests/support/dsar-worker-child.ts, bundled: see bundledChild. */
let workerBundle: string;

function spawnWorker(databaseUrl: string, dataDir: string): WorkerProcess {
  // Node itself, not `npx tsx`: the pid signalled is the worker's.
  const child = spawn(process.execPath, [workerBundle], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: databaseUrl, PARLEY_DATA_DIR: dataDir },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('worker did not start');
  let stdout = '';
  let stderr = '';
  let isReady = false;
  createInterface({ input: child.stdout }).on('line', (line) => {
    stdout += `${line}\n`;
    if (line === 'ready') isReady = true;
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-10_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;
  const worker: WorkerProcess = {
    pid: child.pid,
    start: () => void child.stdin.write('start\n'),
    async ready(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!isReady && running() && Date.now() < deadline) await sleep(10);
      return isReady;
    },
    async kill() {
      if (running()) child.kill('SIGKILL');
      await exited;
    },
    output: () => `${stdout.slice(-4000)}\n${stderr}`,
  };
  workers.push(worker);
  return worker;
}

describe('an erasure under kill -9', () => {
  let database: Database;
  let databaseUrl: string;
  let dataDir: string;

  beforeAll(async () => {
    workerBundle = await bundledChild('tests/support/dsar-worker-child.ts');
    // freshDatabase hides its URL, and the worker process needs it.
    databaseUrl = freshPostgresUrl();
    database = await openDatabase({ url: databaseUrl });
    await database.migrate();
    dataDir = await mkdtemp(path.join(tmpdir(), 'parley-erasure-crash-'));
  }, 60_000);

  afterAll(async () => {
    for (const worker of workers) await worker.kill();
    await database?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('resumes after every kill and finishes each erasure once: no key, no blob, no name left, every step audited once', async ({ annotate }) => {
    const keysAndStores = localStores(dataDir);
    const subjects: Awaited<ReturnType<typeof seedErasureSubject>>[] = [];
    const stateOf = async (requestId: string) => (await database.db.select({ state: dsarRequests.state }).from(dsarRequests).where(eq(dsarRequests.id, requestId)))[0]!.state;
    const unfinished = async () => {
      const open: string[] = [];
      for (const subject of subjects) if ((await stateOf(subject.request.id)) !== 'completed') open.push(subject.request.id);
      return open;
    };
    const blobsLeft = async (subject: (typeof subjects)[number]) =>
      (await readdir(path.join(subject.storeRoot, 'recordings')).catch(() => [] as string[])).filter((f) => subject.rows.some((r) => r.objectKey === `recordings/${f}`)).length;

    const random = seededRandom(SEED);
    const kills: { delayMs: number; blobsLeft: number }[] = [];
    // Where kills fall: from the worker's start to a little past a whole erasure on this machine.
    const windowMs = 1_200;
    let next = spawnWorker(databaseUrl, dataDir);
    while (kills.length < KILLS) {
      // Always an erasure to interrupt: a new subject once the last one is done.
      if ((await unfinished()).length === 0) subjects.push(await seedErasureSubject(database.db, keysAndStores, dataDir, { count: RECORDINGS, bytesEach: 64 * 1024 }));
      const current = subjects.at(-1)!;
      const worker = next;
      worker.start();
      if (!(await worker.ready(60_000))) throw new Error(`worker never became ready:\n${worker.output()}`);
      next = spawnWorker(databaseUrl, dataDir);
      const delayMs = Math.floor(random() * windowMs);
      await sleep(delayMs);
      await worker.kill();
      kills.push({ delayMs, blobsLeft: await blobsLeft(current) });
      // The killed worker's lease runs out before the next one may take the request over.
      await sleep(1_100);
    }
    const survivor = next;
    survivor.start();
    await waitFor(async () => ((await unfinished()).length === 0 ? true : undefined), 120_000).catch((error: unknown) => {
      throw new Error(`an erasure did not finish after the last restart:\n${survivor.output()}`, { cause: error });
    });
    await survivor.kill();
    await annotate(`${kills.length} kills (seed ${SEED}) over ${subjects.length} erasures of ${RECORDINGS} recordings; blobs left after each kill: ${kills.map((kill) => kill.blobsLeft).join(', ')}`);
    // Some kills landed inside the work, with part of the blobs removed: not a test of restarts alone.
    expect(kills.filter((kill) => kill.blobsLeft > 0 && kill.blobsLeft < RECORDINGS).length, JSON.stringify(kills)).toBeGreaterThan(0);

    for (const subject of subjects) {
      // No subject key: nothing of theirs decrypts, a copy of a blob taken before included.
      expect(await database.db.select().from(subjectKeys).where(eq(subjectKeys.customerId, subject.customerId))).toEqual([]);
      // Every recording erased once, every blob gone, the person no longer named.
      const rows = await database.db
        .select({ stage: recordings.stage, wrappedKey: recordings.wrappedKey, blobDeletedAt: recordings.blobDeletedAt, deletionReason: recordings.deletionReason })
        .from(recordings)
        .where(eq(recordings.customerId, subject.customerId));
      expect(rows).toHaveLength(RECORDINGS);
      for (const row of rows) expect(row).toMatchObject({ stage: 'deleted', wrappedKey: null, deletionReason: 'erasure', blobDeletedAt: expect.any(Date) });
      expect(await blobsLeft(subject)).toBe(0);
      const [customer] = await database.db.select().from(customers).where(eq(customers.id, subject.customerId));
      expect(customer).toMatchObject({ displayName: null, email: null, erasedAt: expect.any(Date) });

      // And the trail says each thing once, however many runs it took.
      const actions = ['dsar.completed', 'subject_key.destroyed', 'customer.erased'];
      const trail = await database.db.select({ action: auditEvents.action }).from(auditEvents).where(and(eq(auditEvents.tenantId, subject.tenantId), inArray(auditEvents.action, actions)));
      expect(Object.fromEntries(actions.map((a) => [a, trail.filter((e) => e.action === a).length]))).toEqual({ 'dsar.completed': 1, 'subject_key.destroyed': 1, 'customer.erased': 1 });
      const keysDestroyed = await database.db.select({ id: auditEvents.id }).from(auditEvents).where(and(eq(auditEvents.tenantId, subject.tenantId), eq(auditEvents.action, 'recording.key_destroyed')));
      expect(keysDestroyed.length).toBeLessThanOrEqual(RECORDINGS);
    }
  }, 300_000);
});
