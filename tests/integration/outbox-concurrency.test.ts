import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeZendesk } from '../../backend/src/adapters/zendesk/fake-server.js';
import type { Database } from '../../backend/src/db/client.js';
import type { OutboxDeliverer } from '../../backend/src/ports/outbox-delivery.js';
import { createOutboxWorker, type OutboxRunCounts } from '../../backend/src/services/outbox/worker.js';
import { databaseKinds, freshDatabase } from '../support/databases.js';
import { captureLogs, createTenant, deliverer, enqueueNote, manualClock, outboxRows, referenceCounts, startFake, waitFor, worker } from '../support/fakes/outbox-fixture.js';
import { seededRandom } from '../support/fakes/seeded-random.js';

const TICKETS = [301, 302, 303, 304, 305];
const NOTES = 50;

describe.each(databaseKinds)('outbox under concurrency and faults on %s', (kind) => {
  let database: Database;
  let fake: FakeZendesk;

  beforeAll(async () => {
    database = await freshDatabase(kind);
  });
  afterAll(async () => {
    fake?.releaseHung();
    await fake?.close();
    await database?.close();
  });

  async function enqueueNotes(tenantId: string): Promise<string[]> {
    const keys: string[] = [];
    for (let i = 0; i < NOTES; i++) keys.push(await enqueueNote(database.db, tenantId, TICKETS[i % TICKETS.length]!));
    return keys;
  }

  it('two polling workers on one database post each of 50 notes exactly once', async () => {
    fake = await startFake({ tickets: TICKETS });
    fake.setLatency(5);
    const { tenantId } = await createTenant(database.db);
    const keys = await enqueueNotes(tenantId);

    const deliveredBy = [0, 0];
    const counting = (index: number): OutboxDeliverer<'zendesk.ticket_comment'> => {
      const inner = deliverer(fake);
      return {
        async deliver(message) {
          const result = await inner.deliver(message);
          if (result.outcome === 'delivered') deliveredBy[index]! += 1;
          return result;
        },
      };
    };
    const workers = [0, 1].map((index) =>
      createOutboxWorker({ db: database.db, deliverers: { 'zendesk.ticket_comment': counting(index) }, logger: captureLogs().logger, batchSize: 5, pollIntervalMs: 10 }),
    );
    for (const w of workers) w.start();
    try {
      await waitFor(async () => (await outboxRows(database.db, tenantId)).every((r) => r.state === 'delivered'), 30_000, 'all notes delivered');
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }

    expect([...referenceCounts(fake, TICKETS, keys).values()]).toEqual(keys.map(() => 1));
    expect(fake.requests().filter((r) => r.method === 'PUT')).toHaveLength(NOTES);
    expect(deliveredBy[0]! + deliveredBy[1]!).toBe(NOTES);
    expect(deliveredBy.every((n) => n > 0)).toBe(true);
    await fake.close();
  });

  it('loses and duplicates nothing through 429s, 5xx and a worker crash mid-delivery', async () => {
    fake = await startFake({ tickets: TICKETS, random: seededRandom(7) });
    fake.setLatency(2);
    const { tenantId } = await createTenant(database.db);
    const keys = await enqueueNotes(tenantId);
    const clock = manualClock();
    const make = (seed: number) =>
      worker(database.db, fake, { now: clock.now, batchSize: 8, leaseMs: 20_000, baseDelayMs: 500, maxDelayMs: 4_000, random: seededRandom(seed) });

    fake.setRateLimit(0.1, { retryAfterSeconds: 1 });
    fake.setServerErrors(0.05, 503);
    let workers = [make(1), make(2)];
    let abandoned: Promise<OutboxRunCounts> | undefined;
    for (let round = 0; round < 200; round++) {
      const rows = await outboxRows(database.db, tenantId);
      if (rows.every((r) => r.state !== 'pending')) break;
      if (round === 2) {
        // Worker 0 dies with its batch in flight; Zendesk applies what reached it.
        fake.setHang(true);
        abandoned = workers[0]!.runOnce();
        await waitFor(() => fake.requests().some((r) => r.status === 'hung'), 10_000, 'a hung update');
        await waitFor(() => !fake.requests().some((r) => r.status === 0), 10_000, 'in-flight requests to settle');
        fake.setHang(false);
        workers = [make(3), workers[1]!];
      }
      await Promise.all(workers.map((w) => w.runOnce()));
      clock.advance(1_200);
    }

    const rows = await outboxRows(database.db, tenantId);
    expect(rows.filter((r) => r.state !== 'delivered').map((r) => [r.state, r.attempts, r.lastError])).toEqual([]);
    expect([...referenceCounts(fake, TICKETS, keys).values()]).toEqual(keys.map(() => 1));
    expect(TICKETS.reduce((sum, id) => sum + fake.comments(id).length, 0)).toBe(NOTES);
    const statuses = new Set(fake.requests().map((r) => r.status));
    for (const injected of [429, 503, 'hung'] as const) expect(statuses).toContain(injected);

    fake.releaseHung();
    expect((await abandoned)!.leaseLost).toBeGreaterThan(0);
  });
});
