// Outbox delivery throughput against the in-process fake Zendesk on a private
// PostgreSQL server (loopback only), with the fake answering a share of requests
// 429 + Retry-After. Prints notes/s until every note is delivered, and checks that
// each was posted exactly once.
//
//   npx tsx tests/bench/outbox-throughput.ts [--notes 2000] [--workers 2] [--batch 20]
//     [--latency-ms 0] [--rate-limit 0.1] [--retry-after 1]
import { parseArgs } from 'node:util';
import pino from 'pino';
import { startFakeZendesk } from '../../backend/src/adapters/zendesk/fake-server.js';
import { commentReference, ZendeskTicketCommentDeliverer } from '../../backend/src/adapters/zendesk/ticket-comments.js';
import { openDatabase } from '../../backend/src/db/client.js';
import { tenants } from '../../backend/src/db/schema/index.js';
import { enqueueMessage } from '../../backend/src/services/outbox/enqueue.js';
import { createOutboxWorker } from '../../backend/src/services/outbox/worker.js';
import { sql } from 'drizzle-orm';
import { createDatabase, startPostgres } from '../support/postgres-server.js';
import { cpuPerRequest, cpuSnapshot } from './process-cpu.js';

const { values } = parseArgs({
  options: {
    notes: { type: 'string', default: '2000' },
    workers: { type: 'string', default: '2' },
    batch: { type: 'string', default: '20' },
    'latency-ms': { type: 'string', default: '0' },
    'rate-limit': { type: 'string', default: '0.1' },
    'retry-after': { type: 'string', default: '1' },
  },
});
const notes = Number(values.notes);
const workerCount = Number(values.workers);
const batchSize = Number(values.batch);
const latencyMs = Number(values['latency-ms']);
const rateLimit = Number(values['rate-limit']);
const retryAfterSeconds = Number(values['retry-after']);
const TICKETS = 50;
const auth = { email: 'bench@example.test', apiToken: 'bench-token' };

const postgres = startPostgres();
const database = await openDatabase({ url: createDatabase(postgres, 'bench_outbox') });
const fake = await startFakeZendesk({ credentials: auth, tickets: Array.from({ length: TICKETS }, (_, i) => i + 1) });
try {
  await database.migrate();
  const [tenant] = await database.db.insert(tenants).values({ name: 'bench' }).returning();
  const keys = Array.from({ length: notes }, (_, i) => `bench-note-${i}`);
  for (let i = 0; i < notes; i += 200) {
    await database.db.transaction(async (tx) => {
      for (const key of keys.slice(i, i + 200)) {
        const ticketId = String((Number(key.split('-').at(-1)) % TICKETS) + 1);
        await enqueueMessage(tx, { tenantId: tenant!.id, kind: 'zendesk.ticket_comment', idempotencyKey: key, payload: { ticketId, body: 'Video call offered, notice v3 sent.', public: false } });
      }
    });
  }
  fake.setLatency(latencyMs);
  fake.setRateLimit(rateLimit, { retryAfterSeconds });

  const deliverer = new ZendeskTicketCommentDeliverer({ baseUrlFor: () => fake.url, auth, timeoutMs: 10_000 });
  const workers = Array.from({ length: workerCount }, () =>
    createOutboxWorker({ db: database.db, deliverers: { 'zendesk.ticket_comment': deliverer }, logger: pino({ level: 'silent' }), batchSize, pollIntervalMs: 50, baseDelayMs: 200, maxDelayMs: 5_000 }),
  );
  const started = performance.now();
  const cpuGroups = { postgresPort: Number(new URL(postgres.url).port) };
  const cpuBefore = cpuSnapshot(cpuGroups);
  for (const w of workers) w.start();
  let ninetyPercentMs: number | undefined;
  for (;;) {
    const rows = await database.db.execute<{ delivered: number; pending: number }>(
      sql`select count(*) filter (where state = 'delivered')::int as delivered, count(*) filter (where state = 'pending')::int as pending from outbox_messages`,
    );
    const { delivered, pending } = (Array.isArray(rows) ? rows[0] : (rows as unknown as { rows: { delivered: number; pending: number }[] }).rows[0])!;
    if (ninetyPercentMs === undefined && delivered >= notes * 0.9) ninetyPercentMs = performance.now() - started;
    if (pending === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const elapsedMs = performance.now() - started;
  const cpuMsPerNote = cpuPerRequest(cpuBefore, cpuSnapshot(cpuGroups), notes);
  await Promise.all(workers.map((w) => w.stop()));

  const bodies = Array.from({ length: TICKETS }, (_, i) => fake.comments(i + 1).map((c) => c.body ?? '')).flat();
  const refs = new Set(bodies.map((b) => b.slice(b.lastIndexOf('Ref: ') + 5)));
  const missing = keys.filter((k) => !refs.has(commentReference(k))).length;
  const requests = fake.requests();
  const count = (f: (r: (typeof requests)[number]) => boolean) => requests.filter(f).length;
  console.log(
    JSON.stringify(
      {
        database: 'postgresql (private server, loopback)',
        notes,
        workers: workerCount,
        batchSize,
        fakeLatencyMs: latencyMs,
        rateLimitShare: rateLimit,
        retryAfterSeconds,
        elapsedSeconds: +(elapsedMs / 1000).toFixed(2),
        notesPerSecond: +(notes / (elapsedMs / 1000)).toFixed(1),
        // "load generator" is this process: workers, fake Zendesk and both HTTP ends.
        cpuMsPerNote: Object.fromEntries(Object.entries(cpuMsPerNote).map(([k, v]) => [k, +v.toFixed(2)])),
        firstNinetyPercentPerSecond: ninetyPercentMs ? +((notes * 0.9) / (ninetyPercentMs / 1000)).toFixed(1) : null,
        requests: { put: count((r) => r.method === 'PUT'), getComments: count((r) => r.method === 'GET'), answered429: count((r) => r.status === 429) },
        comments: bodies.length,
        duplicates: bodies.length - refs.size,
        missing,
      },
      null,
      2,
    ),
  );
} finally {
  await fake.close();
  await database.close();
  postgres.stop();
}
