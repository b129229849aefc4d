import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeZendesk } from '../../backend/src/adapters/zendesk/fake-server.js';
import { commentReference } from '../../backend/src/adapters/zendesk/ticket-comments.js';
import type { Database } from '../../backend/src/db/client.js';
import { auditEvents, outboxMessages } from '../../backend/src/db/schema/index.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../../backend/src/errors.js';
import { enqueueMessage } from '../../backend/src/services/outbox/enqueue.js';
import { listDeadMessages } from '../../backend/src/services/outbox/list-dead.js';
import { retryDeadMessage } from '../../backend/src/services/outbox/retry-dead.js';
import { createOutboxWorker } from '../../backend/src/services/outbox/worker.js';
import { zendeskAccountUrl } from '../../backend/src/services/outbox/zendesk-account-url.js';
import { provisionTenant } from '../../backend/src/services/tenants/provision.js';
import { databaseKinds, freshDatabase } from '../support/databases.js';
import { seedAgent } from '../support/principals.js';
import {
  apiTokenAuth,
  captureLogs,
  createTenant,
  deliverer,
  enqueueNote,
  manualClock,
  NOTE_MARKER,
  oauthAuth,
  outboxRows,
  referenceCounts,
  startFake,
  waitFor,
  worker,
} from '../support/fakes/outbox-fixture.js';

describe.each(databaseKinds)('outbox delivery to Zendesk on %s', (kind) => {
  let database: Database;
  let fake: FakeZendesk;
  const logs = captureLogs();

  beforeAll(async () => {
    database = await freshDatabase(kind);
    fake = await startFake({ tickets: [101, 102, 103, 104, 105, 106, 107] });
  });
  afterAll(async () => {
    await fake?.close();
    await database?.close();
  });

  it('posts a queued internal note with Zendesk’s JSON and basic auth, and a repeated key queues nothing', async () => {
    const { tenantId } = await createTenant(database.db);
    const key = await enqueueNote(database.db, tenantId, 101, 'call-1:offered');
    await enqueueNote(database.db, tenantId, 101, 'call-1:offered');
    expect(await outboxRows(database.db, tenantId)).toHaveLength(1);

    const clock = manualClock();
    const counts = await worker(database.db, fake, { now: clock.now, logger: logs.logger }).runOnce();
    expect(counts).toMatchObject({ claimed: 1, delivered: 1 });

    const [comment, ...more] = fake.comments(101);
    expect(more).toEqual([]);
    const body = `Video call offered to ${NOTE_MARKER}, notice v3 sent (${key}).\n\nRef: ${commentReference(key)}`;
    expect(comment).toMatchObject({ body, public: false });
    const [put, ...others] = fake.requests().filter((r) => r.path === '/api/v2/tickets/101.json');
    expect(others).toEqual([]);
    expect(put).toMatchObject({ method: 'PUT', authorized: true, status: 200, body: { ticket: { comment: { body, public: false } } } });

    const [row] = await outboxRows(database.db, tenantId);
    expect(row).toMatchObject({ state: 'delivered', attempts: 1, leasedUntil: null, payload: {} });
    expect(row!.deliveredAt?.getTime()).toBe(clock.ms);
    expect((await worker(database.db, fake, { now: clock.now }).runOnce()).claimed).toBe(0);
    expect(fake.comments(101)).toHaveLength(1);
  });

  it('sends a public reply with an OAuth bearer token', async () => {
    const { tenantId } = await createTenant(database.db);
    const key = await enqueueNote(database.db, tenantId, 102, undefined, { public: true });
    const oauthWorker = createOutboxWorker({ db: database.db, deliverers: { 'zendesk.ticket_comment': deliverer(fake, { auth: oauthAuth }) }, logger: logs.logger });
    expect((await oauthWorker.runOnce()).delivered).toBe(1);
    expect(fake.comments(102).map((c) => [c.public, c.body?.endsWith(commentReference(key))])).toEqual([[true, true]]);
  });

  it('dead-letters at once on a missing ticket or refused credentials', async () => {
    const { tenantId, admin } = await createTenant(database.db);
    await enqueueNote(database.db, tenantId, 999_404);
    const clock = manualClock();
    expect(await worker(database.db, fake, { now: clock.now }).runOnce()).toMatchObject({ claimed: 1, dead: 1 });

    await enqueueNote(database.db, tenantId, 101);
    const badCredentials = createOutboxWorker({
      db: database.db,
      deliverers: { 'zendesk.ticket_comment': deliverer(fake, { auth: { ...apiTokenAuth, apiToken: 'revoked' } }) },
      logger: logs.logger,
      now: clock.now,
    });
    expect(await badCredentials.runOnce()).toMatchObject({ claimed: 1, dead: 1 });

    const dead = await listDeadMessages(database.db, admin);
    expect(dead.map((d) => [d.kind, d.attempts, d.lastError]).sort()).toEqual([
      ['zendesk.ticket_comment', 1, "Zendesk HTTP 401 Couldn't authenticate you"],
      ['zendesk.ticket_comment', 1, 'Zendesk HTTP 404 RecordNotFound'],
    ]);
    expect(JSON.stringify(dead)).not.toContain(NOTE_MARKER);
  });

  it('retries a 5xx after an exponential, jittered delay, then delivers once', async () => {
    const { tenantId } = await createTenant(database.db);
    const key = await enqueueNote(database.db, tenantId, 103);
    const clock = manualClock();
    const w = worker(database.db, fake, { now: clock.now, baseDelayMs: 1_000, maxDelayMs: 60_000, logger: logs.logger });

    fake.failNext(2, 503);
    expect(await w.runOnce()).toMatchObject({ retried: 1 });
    let [row] = await outboxRows(database.db, tenantId);
    expect(row!.lastError).toBe('Zendesk HTTP 503 ServiceUnavailable');
    const firstDelay = row!.nextAttemptAt.getTime() - clock.ms;
    expect(firstDelay).toBeGreaterThanOrEqual(500);
    expect(firstDelay).toBeLessThanOrEqual(1_000);

    clock.advance(firstDelay - 1);
    expect((await w.runOnce()).claimed).toBe(0);
    clock.advance(1);
    expect(await w.runOnce()).toMatchObject({ retried: 1 });
    [row] = await outboxRows(database.db, tenantId);
    const secondDelay = row!.nextAttemptAt.getTime() - clock.ms;
    expect(secondDelay).toBeGreaterThanOrEqual(1_000);
    expect(secondDelay).toBeLessThanOrEqual(2_000);

    clock.advance(secondDelay);
    expect(await w.runOnce()).toMatchObject({ delivered: 1 });
    expect(referenceCounts(fake, [103], [key]).get(key)).toBe(1);
    [row] = await outboxRows(database.db, tenantId);
    expect(row).toMatchObject({ state: 'delivered', attempts: 3 });
  });

  it('waits at least Retry-After after a 429 storm and still posts every note exactly once', async () => {
    const { tenantId } = await createTenant(database.db);
    const keys: string[] = [];
    for (let i = 0; i < 12; i++) keys.push(await enqueueNote(database.db, tenantId, 104 + (i % 3)));
    const clock = manualClock();
    const w = worker(database.db, fake, { now: clock.now, batchSize: 12, logger: logs.logger });

    fake.failNext(12, 429, { retryAfterSeconds: 30 });
    expect(await w.runOnce()).toMatchObject({ claimed: 12, retried: 12 });
    for (const row of await outboxRows(database.db, tenantId)) {
      expect(row).toMatchObject({ state: 'pending', attempts: 0, lastError: null });
      expect(row.nextAttemptAt.getTime() - clock.ms).toBeGreaterThanOrEqual(30_000);
    }
    clock.advance(29_999);
    expect((await w.runOnce()).claimed).toBe(0);

    // Every second request is refused from here on; each refusal must push its note back by Retry-After.
    fake.setRateLimit(0.5, { retryAfterSeconds: 30 });
    let rounds = 0;
    while ((await outboxRows(database.db, tenantId)).some((r) => r.state !== 'delivered') && rounds++ < 40) {
      clock.advance(31_001);
      await w.runOnce();
      for (const row of await outboxRows(database.db, tenantId)) {
        if (row.state === 'pending') expect(row.nextAttemptAt.getTime() - clock.ms).toBeGreaterThanOrEqual(30_000);
      }
    }
    fake.setRateLimit(0);
    const rows = await outboxRows(database.db, tenantId);
    expect(rows.filter((r) => r.state !== 'delivered').map((r) => [r.state, r.attempts, r.lastError])).toEqual([]);
    expect([...referenceCounts(fake, [104, 105, 106], keys).values()]).toEqual(keys.map(() => 1));
  });

  it('dead-letters after maxAttempts, and an admin’s retry delivers the note once', async () => {
    const { tenantId, admin } = await createTenant(database.db);
    const key = await enqueueNote(database.db, tenantId, 107);
    const clock = manualClock();
    const w = worker(database.db, fake, { now: clock.now, maxAttempts: 3, logger: logs.logger });

    fake.failNext(3, 500);
    for (let i = 0; i < 3; i++) {
      await w.runOnce();
      clock.advance(10_000);
    }
    const [dead] = await outboxRows(database.db, tenantId);
    expect(dead).toMatchObject({ state: 'dead', attempts: 3, lastError: 'gave up after 3 attempts: Zendesk HTTP 500 InternalServerError' });
    expect((await w.runOnce()).claimed).toBe(0);
    expect((await listDeadMessages(database.db, admin)).map((d) => d.id)).toEqual([dead!.id]);

    const other = await createTenant(database.db);
    await expect(retryDeadMessage(database.db, other.admin, dead!.id)).rejects.toBeInstanceOf(NotFoundError);
    expect(await listDeadMessages(database.db, other.admin)).toEqual([]);
    const asAgent = await seedAgent(database.db, tenantId, { roles: ['agent'] });
    await expect(retryDeadMessage(database.db, asAgent, dead!.id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(listDeadMessages(database.db, asAgent)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(retryDeadMessage(database.db, admin, 'not-a-uuid')).rejects.toBeInstanceOf(NotFoundError);

    expect(await retryDeadMessage(database.db, admin, dead!.id)).toEqual({ id: dead!.id, state: 'pending' });
    await expect(retryDeadMessage(database.db, admin, dead!.id)).rejects.toBeInstanceOf(ConflictError);
    const audit = await database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.tenantId, tenantId), eq(auditEvents.action, 'outbox.message_retried')));
    expect(audit.map((a) => [a.subjectId, a.actorId])).toEqual([[dead!.id, admin.agentId]]);

    expect(await w.runOnce()).toMatchObject({ delivered: 1 });
    expect(referenceCounts(fake, [107], [key]).get(key)).toBe(1);
    expect(await listDeadMessages(database.db, admin)).toEqual([]);
  });

  it('finishes the delivery in flight before stop() returns', async () => {
    const { tenantId } = await createTenant(database.db);
    await enqueueNote(database.db, tenantId, 101);
    fake.setLatency(300);
    const w = worker(database.db, fake, { logger: logs.logger });
    const sent = fake.requests().length;
    try {
      w.start();
      await waitFor(() => fake.requests().length > sent, 10_000, 'the update to be sent');
      await w.stop();
    } finally {
      fake.setLatency(0);
    }
    expect(await outboxRows(database.db, tenantId)).toMatchObject([{ state: 'delivered', leasedUntil: null }]);
  });

  it('leaves kinds it has no deliverer for to other workers', async () => {
    const { tenantId } = await createTenant(database.db);
    await database.db.transaction((tx) =>
      enqueueMessage(tx, { tenantId, kind: 'teams.activity', idempotencyKey: `teams-${tenantId}`, payload: { conversationId: 'c', activity: {} } }),
    );
    await worker(database.db, fake).runOnce();
    const [row] = await database.db.select().from(outboxMessages).where(eq(outboxMessages.tenantId, tenantId));
    expect(row).toMatchObject({ state: 'pending', attempts: 0, leasedUntil: null });
    await database.db.execute(sql`delete from outbox_messages where tenant_id = ${tenantId}`);
  });

  it('finds each tenant’s Zendesk API origin from its installation', async () => {
    const acme = await provisionTenant(database.db, { host: 'zendesk', externalAccountId: 'acme-support' });
    const odd = await provisionTenant(database.db, { host: 'zendesk', externalAccountId: 'evil.example/x' });
    const teams = await provisionTenant(database.db, { host: 'teams', externalAccountId: crypto.randomUUID() });
    const resolve = zendeskAccountUrl(database.db);
    expect(await resolve(acme.tenantId)).toBe('https://acme-support.zendesk.com');
    await expect(resolve(odd.tenantId)).rejects.toBeInstanceOf(NotFoundError);
    await expect(resolve(teams.tenantId)).rejects.toBeInstanceOf(NotFoundError);
    expect(await zendeskAccountUrl(database.db, { override: fake.url })(acme.tenantId)).toBe(fake.url);
  });

  it('logs ids and outcomes but never the note text', () => {
    const text = logs.lines.join('');
    expect(text).toContain('outbox message delivered');
    expect(text).toContain('outbox delivery will be retried');
    expect(text).toContain('outbox message dead-lettered');
    expect(text).not.toContain(NOTE_MARKER);
    expect(text).not.toContain(apiTokenAuth.apiToken);
  });
});
