import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeZendesk } from '../../backend/src/adapters/zendesk/fake-server.js';
import type { Database } from '../../backend/src/db/client.js';
import { claimDueMessages } from '../../backend/src/services/outbox/claim.js';
import { clockSql } from '../../backend/src/services/outbox/clock.js';
import { retryDeadMessage } from '../../backend/src/services/outbox/retry-dead.js';
import { databaseKinds, freshDatabase } from '../support/databases.js';
import { createTenant, enqueueNote, manualClock, outboxRows, referenceCounts, startFake, waitFor, worker } from '../support/fakes/outbox-fixture.js';

const commentReads = (fake: FakeZendesk, ticketId: number) => fake.requests().filter((r) => r.method === 'GET' && r.path === `/api/v2/tickets/${ticketId}/comments.json`);

describe.each(databaseKinds)('outbox crash recovery on %s', (kind) => {
  let database: Database;
  let fake: FakeZendesk;

  beforeAll(async () => {
    database = await freshDatabase(kind);
    // Two comments a page, so finding an earlier attempt's comment means following next_page.
    fake = await startFake({ tickets: [201, 202, 203, 204], maxPerPage: 2 });
  });
  afterAll(async () => {
    fake?.releaseHung();
    await fake?.close();
    await database?.close();
  });

  it('does not post twice when a worker dies after Zendesk applied the note but before it answered', async () => {
    const { tenantId } = await createTenant(database.db);
    for (let i = 0; i < 3; i++) await enqueueNote(database.db, tenantId, 201, `earlier-${tenantId}-${i}`);
    const clock = manualClock();
    await worker(database.db, fake, { now: clock.now }).runOnce();
    expect(fake.comments(201)).toHaveLength(3);

    const key = await enqueueNote(database.db, tenantId, 201);
    fake.setHang(true);
    const crashed = worker(database.db, fake, { now: clock.now, leaseMs: 10_000, timeoutMs: 60_000 });
    // Never awaited until the end: this worker's process is gone as far as the queue can tell.
    const abandoned = crashed.runOnce();
    await waitFor(() => fake.comments(201).length === 4, 10_000, 'the hung update to be applied');
    fake.setHang(false);

    // Life goes on while the lease runs: newer notes bury the applied one on a later page.
    const successor = worker(database.db, fake, { now: clock.now, leaseMs: 10_000 });
    for (let i = 0; i < 3; i++) await enqueueNote(database.db, tenantId, 201, `later-${tenantId}-${i}`);
    clock.advance(9_999);
    expect(await successor.runOnce()).toMatchObject({ claimed: 3, delivered: 3 });
    clock.advance(2);
    expect(await successor.runOnce()).toMatchObject({ claimed: 1, delivered: 1 });

    expect(referenceCounts(fake, [201], [key]).get(key)).toBe(1);
    expect(fake.comments(201)).toHaveLength(7);
    expect(commentReads(fake, 201).map((r) => new URLSearchParams(r.query).get('page'))).toEqual([null, '2']);
    const row = (await outboxRows(database.db, tenantId)).find((r) => r.idempotencyKey === key);
    expect(row).toMatchObject({ state: 'delivered', attempts: 2 });

    // The dead worker's request finally fails; its late verdict must not touch the row.
    fake.releaseHung();
    expect(await abandoned).toMatchObject({ claimed: 1, leaseLost: 1, delivered: 0, retried: 0 });
    expect((await outboxRows(database.db, tenantId)).find((r) => r.idempotencyKey === key)).toMatchObject({ state: 'delivered', attempts: 2 });
  });

  it('posts the note when a worker died after claiming it but before sending anything', async () => {
    const { tenantId } = await createTenant(database.db);
    const key = await enqueueNote(database.db, tenantId, 202);
    const clock = manualClock();
    const [claim] = await claimDueMessages(database.db, { kinds: ['zendesk.ticket_comment'], batchSize: 1, leaseMs: 5_000, at: clockSql(clock.now) });
    expect(claim?.idempotencyKey).toBe(key);

    clock.advance(5_001);
    expect(await worker(database.db, fake, { now: clock.now }).runOnce()).toMatchObject({ claimed: 1, delivered: 1 });
    expect(commentReads(fake, 202)).toHaveLength(1);
    expect(referenceCounts(fake, [202], [key]).get(key)).toBe(1);
  });

  it('recognises a timed-out update that Zendesk did apply, even after an admin replays the dead letter', async () => {
    const { tenantId, admin } = await createTenant(database.db);
    const key = await enqueueNote(database.db, tenantId, 203);
    const clock = manualClock();
    fake.setHang(true);
    const impatient = worker(database.db, fake, { now: clock.now, timeoutMs: 300, maxAttempts: 1 });
    expect(await impatient.runOnce()).toMatchObject({ dead: 1 });
    fake.setHang(false);
    fake.releaseHung();
    const [dead] = await outboxRows(database.db, tenantId);
    expect(dead).toMatchObject({ state: 'dead', lastError: 'gave up after 1 attempts: Zendesk no answer within 300 ms' });
    expect(fake.comments(203)).toHaveLength(1);

    await retryDeadMessage(database.db, admin, dead!.id);
    expect(await worker(database.db, fake, { now: clock.now }).runOnce()).toMatchObject({ delivered: 1 });
    expect(referenceCounts(fake, [203], [key]).get(key)).toBe(1);
    expect(fake.comments(203)).toHaveLength(1);
  });

  it('dead-letters a message whose attempts keep dying instead of feeding it to the vendor forever', async () => {
    const { tenantId } = await createTenant(database.db);
    await enqueueNote(database.db, tenantId, 204);
    const clock = manualClock();
    for (let i = 0; i < 2; i++) {
      expect(await claimDueMessages(database.db, { kinds: ['zendesk.ticket_comment'], batchSize: 1, leaseMs: 1_000, at: clockSql(clock.now) })).toHaveLength(1);
      clock.advance(1_001);
    }
    expect(await worker(database.db, fake, { now: clock.now, maxAttempts: 2 }).runOnce()).toMatchObject({ claimed: 1, dead: 1 });
    const [row] = await outboxRows(database.db, tenantId);
    expect(row).toMatchObject({ state: 'dead', lastError: 'gave up after 2 attempts: the last one never finished (lease expired)' });
    expect(fake.comments(204)).toEqual([]);
  });
});
