import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_POOL_SIZE, freePort, startChildServer, startParleyServer, type ChildServer } from './child-server.js';
import { runLoad, type LoadResult } from './load.js';
import { cpuPerRequest, cpuSnapshot } from './process-cpu.js';

export const CONNECTIONS = 16;
export const BASELINE_WARMUP = 500;
export const BASELINE_REQUESTS = 5000;
export const ESCALATE_WARMUP = 200;
export const ESCALATE_REQUESTS = 2000;

export type DatabaseKind = 'pglite' | 'postgres';

export interface DatabaseTarget {
  kind: DatabaseKind;
  /** PostgreSQL only: one database for the baseline, another for Parley. */
  baselineUrl?: string;
  parleyUrl?: string;
  postgresPort?: number;
}

export interface Measured {
  command: string;
  warmup: number;
  result: LoadResult;
  cpuMsPerRequest: Record<string, number>;
}

export interface ThroughputFigures {
  kind: DatabaseKind;
  baseline?: Measured;
  /** Absent when that part failed; run.ts records why. */
  escalate?: Measured;
}

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Warm up (JIT, pools, caches), then measure a fixed request count with per-process CPU accounting. */
async function measure(
  server: ChildServer,
  target: DatabaseTarget,
  load: Omit<Parameters<typeof runLoad>[0], 'amount' | 'connections' | 'url'>,
  warmup: number,
  amount: number,
): Promise<Measured> {
  await runLoad({ ...load, url: server.url, connections: CONNECTIONS, amount: warmup });
  const groups = { server: server.pid, postgresPort: target.postgresPort };
  const before = cpuSnapshot(groups);
  const result = await runLoad({ ...load, url: server.url, connections: CONNECTIONS, amount });
  const after = cpuSnapshot(groups);
  return { command: server.command, warmup, result, cpuMsPerRequest: cpuPerRequest(before, after, result.requests) };
}

export async function benchBaseline(target: DatabaseTarget): Promise<Measured> {
  const scratch = mkdtempSync(join(tmpdir(), 'parley-bench-insert-'));
  const port = await freePort();
  const server = await startChildServer({
    cwd: repoRoot,
    nodeArgs: ['--import', 'tsx', 'tests/bench/bare-insert-server.ts'],
    port,
    readyPath: '/readyz',
    env: {
      BENCH_PORT: String(port),
      BENCH_POOL_SIZE: String(BENCH_POOL_SIZE),
      ...(target.kind === 'postgres' ? { BENCH_DATABASE_URL: target.baselineUrl! } : { BENCH_PGLITE_DIR: join(scratch, 'db') }),
    },
  });
  try {
    return await measure(server, target, { request: { method: 'POST', path: '/insert' } }, BASELINE_WARMUP, BASELINE_REQUESTS);
  } finally {
    await server.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function json<T>(response: Response): Promise<T> {
  if (!response.ok) throw new Error(`${response.url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Parley as `npm run serve` runs it, configured only by the environment. */
export async function benchEscalate(target: DatabaseTarget, options: { cpuProfileDir?: string } = {}): Promise<Measured> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  const profile = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  const server = await startParleyServer({
    cwd: repoRoot,
    dataDir,
    nodeArgs: profile,
    databaseUrl: target.kind === 'postgres' ? target.parleyUrl! : undefined,
  });
  try {
    const { token } = await json<{ token: string }>(
      await fetch(`${server.url}/api/demo/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ accountId: 'bench-account', userId: 'bench-agent', name: 'Bench Agent' }),
      }),
    );
    const { meetingTypes } = await json<{ meetingTypes: { id: string; name: string }[] }>(
      await fetch(`${server.url}/api/meeting-types`, { headers: { authorization: `Bearer ${token}` } }),
    );
    const meetingTypeId = meetingTypes.find((m) => m.name === 'Support call')?.id;
    if (!meetingTypeId) throw new Error(`no "Support call" meeting type (got ${meetingTypes.map((m) => m.name).join(', ')})`);

    // Every request escalates a new ticket for a new customer: the common case, no upsert hits.
    // Zendesk ticket ids are numeric; a random run base keeps reruns on one database apart.
    const runId = randomBytes(4).toString('hex');
    const ticketBase = randomInt(1, 1_000_000) * 1_000_000;
    let sequence = 0;
    const request = {
      method: 'POST',
      path: '/api/calls',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      setupRequest: <R extends { body?: string }>(req: R): R => {
        sequence += 1;
        return {
          ...req,
          body: JSON.stringify({
            meetingTypeId,
            case: { host: 'zendesk', externalId: String(ticketBase + sequence) },
            customer: { externalId: `bench-${runId}-customer-${sequence}`, displayName: 'Bench Customer', email: 'bench@example.com' },
          }),
        };
      },
    };
    return await measure(server, target, { request }, ESCALATE_WARMUP, ESCALATE_REQUESTS);
  } catch (error) {
    // Stopped first: the server's last log lines may still be in the pipe.
    await server.stop();
    throw new Error(`${(error as Error).message}\n--- server output ---\n${server.output()}`, { cause: error });
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
