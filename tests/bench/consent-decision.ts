import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, startPostgres } from '../support/postgres-server.js';
import { startParleyServer, type ChildServer } from './child-server.js';
import { isClean, runLoad, type LoadResult } from './load.js';
import { cpuPerRequest, cpuSnapshot } from './process-cpu.js';

export const DECISIONS = 4000;
/** Decisions run first and discarded: connections opened, statements prepared, code warm. */
export const WARM_UP_DECISIONS = 200;
const CONNECTIONS = 16;

interface Pending {
  token: string;
  noticeVersionId: string;
}

async function json<T>(url: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(url, { ...init, headers: { 'content-type': 'application/json', ...init.headers } });
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Runs `task` over `items` with at most `limit` in flight. */
async function inParallel<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await task(items[index]!);
      }
    }),
  );
  return results;
}

export interface ConsentDecisionFigures {
  result: LoadResult;
  /** CPU milliseconds per decision of each process group during the measured run. */
  cpuMsPerRequest: Record<string, number>;
}

/**
 * The customer's "yes" on the consent page, as JSON: one request reads the link with
 * the notice version it names, then one statement writes the consent records, the
 * customer's join link, the ticket note's outbox row and the audit event.
 * Measured on a PostgreSQL server at concurrency 16, each request on its own link.
 */
export async function benchConsentDecision(cwd: string, options: { cpuProfileDir?: string } = {}): Promise<ConsentDecisionFigures> {
  const postgres = startPostgres();
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-consent-'));
  const nodeArgs = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  let started: ChildServer | undefined;
  try {
    const server = await startParleyServer({ cwd, dataDir, databaseUrl: createDatabase(postgres, 'bench_consent'), nodeArgs });
    started = server;
    const { token } = await json<{ token: string }>(`${server.url}/api/demo/session`, {
      method: 'POST',
      body: JSON.stringify({ accountId: 'bench', userId: '1', name: 'Bench Agent' }),
    });
    const auth = { authorization: `Bearer ${token}` };
    const { meetingTypes } = await json<{ meetingTypes: { id: string; key: string }[] }>(`${server.url}/api/meeting-types`, { headers: auth });
    const meetingTypeId = meetingTypes.find((t) => t.key === 'consultation')!.id;

    // Setting up is not measured: escalate one call per decision and read each link's notice.
    const pending = await inParallel(
      Array.from({ length: WARM_UP_DECISIONS + DECISIONS }, (_, i) => i),
      CONNECTIONS,
      async (i): Promise<Pending> => {
        const { links } = await json<{ links: { customer: string } }>(`${server.url}/api/calls`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({
            meetingTypeId,
            case: { host: 'zendesk', externalId: String(900_000 + i) },
            customer: { externalId: `bench-${i}`, locale: 'en' },
          }),
        });
        const consentToken = new URL(links.customer).pathname.split('/').pop()!;
        const view = await json<{ noticeVersionId: string }>(`${server.url}/api/consent/${consentToken}`);
        return { token: consentToken, noticeVersionId: view.noticeVersionId };
      },
    );

    let next = 0;
    const decide = (amount: number) =>
      runLoad({
        url: server.url,
        connections: CONNECTIONS,
        amount,
        request: {
          method: 'POST',
          path: '/',
          headers: { 'content-type': 'application/json' },
          setupRequest: (request) => {
            const link = pending[next++ % pending.length]!;
            return {
              ...request,
              path: `/api/consent/${link.token}`,
              body: JSON.stringify({ noticeVersionId: link.noticeVersionId, join: true, recording: false }),
            };
          },
        },
      });
    const warmUp = await decide(WARM_UP_DECISIONS);
    if (!isClean(warmUp)) throw new Error(`consent decisions were refused: ${warmUp.errorSamples.join(' | ')}`);
    const groups = { server: server.pid, postgresPort: Number(new URL(postgres.url).port) };
    const before = cpuSnapshot(groups);
    const result = await decide(DECISIONS);
    const after = cpuSnapshot(groups);
    if (!isClean(result)) throw new Error(`consent decisions were refused: ${result.errorSamples.join(' | ')}`);
    return { result, cpuMsPerRequest: cpuPerRequest(before, after, result.requests) };
  } finally {
    // Also when Parley never came up: the private PostgreSQL server must not outlive the run.
    await started?.stop();
    postgres.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { result, cpuMsPerRequest } = await benchConsentDecision(process.cwd(), { cpuProfileDir: process.env.PARLEY_BENCH_CPU_PROFILE });
  console.log(
    `consent decision on PostgreSQL, ${DECISIONS} decisions at concurrency ${CONNECTIONS}: ` +
      `${result.reqPerSec.toFixed(0)} req/s, p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, max ${result.max.toFixed(1)} ms; ` +
      `CPU ms per decision: ${Object.entries(cpuMsPerRequest)
        .map(([name, ms]) => `${name} ${ms.toFixed(2)}`)
        .join(', ')}`,
  );
}
