import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq, inArray } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../backend/src/db/client.js';
import { auditEvents, customerRefs, customers, dsarExports, dsarRequests, tenants } from '../../backend/src/db/schema/index.js';
import { openSealed } from '../../backend/src/services/audit/seal.js';
import { newLeaseOwner } from '../../backend/src/services/recordings/claim.js';
import { EXPORT_STORE, runAccessRequest } from '../../backend/src/services/dsar/export/run-access-request.js';
import { DsarNotYet } from '../../backend/src/services/dsar/not-yet.js';
import { runErasureRequest } from '../../backend/src/services/dsar/erase/run-erasure.js';
import { createDsarWorker } from '../../backend/src/services/dsar/worker.js';
import type { LocalJanus } from '../../media/janus/local-node.js';
import { databaseKinds, freshDatabase } from '../support/databases.js';
import { buildTestApp, PUBLIC_BASE_URL, startTestJanus, type TestApp } from '../support/test-app.js';

const DAY = 86_400_000;

describe.each(databaseKinds)('data-subject requests on %s', (kind) => {
  let database: Database;
  let janus: LocalJanus;
  let baseDir: string;
  let t: TestApp;
  let dpo: string;
  let agent: string;
  let strangerDpo: string;
  let tenantId: string;
  let customerId: string;

  const worker = () =>
    createDsarWorker(
      {
        db: database.db,
        logger: pino({ level: 'silent' }),
        masterKeys: t.recordings.masterKeys,
        stores: t.recordings.stores,
        publicBaseUrl: PUBLIC_BASE_URL,
        dataDir: t.dataDir,
        lease: { owner: newLeaseOwner(), ms: 30_000 },
        retry: { baseDelayMs: 100, maxDelayMs: 400 },
      },
      { pollIntervalMs: 60_000 },
    );

  const receive = (body: unknown, token = dpo) => t.call('POST', '/api/dsar', { body, token });
  const verification = 'replied from the email address on file';

  beforeAll(async () => {
    baseDir = mkdtempSync(join(tmpdir(), 'parley-dsar-requests-'));
    [database, janus] = await Promise.all([freshDatabase(kind), startTestJanus(baseDir)]);
    t = await buildTestApp(database, janus);
    dpo = await t.signIn('acme', 'dpo-1', 'dpo');
    agent = await t.signIn('acme', 'agent-1', 'agent');
    strangerDpo = await t.signIn('globex', 'dpo-9', 'dpo');
    tenantId = (await t.tokens.verify(dpo)).tenantId;
    const [customer] = await database.db.insert(customers).values({ tenantId, displayName: 'Chris Customer', email: 'Chris@Example.org' }).returning();
    customerId = customer!.id;
    await database.db.insert(customerRefs).values({ tenantId, customerId, host: 'zendesk', externalId: '90210' });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await janus?.stop();
    await database?.close();
    rmSync(baseDir, { recursive: true, force: true });
  });

  it('receives a request for a known subject, due 30 days later, with the identifier only sealed in the audit trail', async () => {
    const res = await receive({ kind: 'access', subject: { email: 'chris@example.org' }, verification });
    expect(res.status).toBe(201);
    const request = res.body.request;
    expect(request).toMatchObject({ kind: 'access', state: 'received', customerId, subjectKnown: true, overdue: false, daysLeft: 30, extended: false });
    expect(new Date(request.dueAt).getTime() - new Date(request.receivedAt).getTime()).toBe(30 * DAY);
    expect(request.verification.method).toBe(verification);

    const got = await t.call('GET', `/api/dsar/${request.id}`, { token: dpo });
    expect(got.status).toBe(200);
    expect(got.body.request.id).toBe(request.id);

    const [event] = await database.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'dsar.received'), eq(auditEvents.subjectId, request.id)));
    expect(event).toBeDefined();
    expect(JSON.stringify(event).toLowerCase()).not.toContain('chris@example.org');
    expect(event!.details).toMatchObject({ kind: 'access', customerId, subjectKnown: true });
    const opened = await openSealed(database.db, t.recordings.masterKeys, tenantId, { dataSubjectId: event!.dataSubjectId!, sealed: event!.sealed! });
    expect(opened).toEqual({ state: 'open', data: { email: 'chris@example.org' } });
    const [row] = await database.db.select().from(dsarRequests).where(eq(dsarRequests.id, request.id));
    expect(row!.subjectDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row).toLowerCase()).not.toContain('chris@example.org');
  });

  it('finds the subject by the id their host gives them, and refuses a second open request of the same kind', async () => {
    const first = await receive({ kind: 'erasure', subject: { host: 'zendesk', externalId: '90210' }, verification });
    expect(first.status).toBe(201);
    expect(first.body.request.customerId).toBe(customerId);
    const again = await receive({ kind: 'erasure', subject: { email: 'CHRIS@example.org' }, verification });
    expect(again.status).toBe(201); // named another way: a different identifier, a separate request
    const repeat = await receive({ kind: 'erasure', subject: { host: 'zendesk', externalId: '90210' }, verification });
    expect(repeat.status).toBe(409);
    expect(repeat.body.error.code).toBe('DSAR_ALREADY_OPEN');
  });

  it('makes one request per customer record an email names, due together, and answers each', async () => {
    // The same person known to Zendesk and to Teams: two customer records with one address.
    const [zendesk, teams] = await database.db
      .insert(customers)
      .values([
        { tenantId, displayName: 'Morgan Customer', email: 'morgan@example.org', createdAt: new Date(Date.now() - 1000) },
        { tenantId, displayName: 'Morgan C.', email: 'Morgan@Example.org' },
      ])
      .returning();
    await database.db.insert(customerRefs).values([
      { tenantId, customerId: zendesk!.id, host: 'zendesk', externalId: '31337' },
      { tenantId, customerId: teams!.id, host: 'teams', externalId: 'aad-morgan' },
    ]);
    const res = await receive({ kind: 'access', subject: { email: 'MORGAN@example.org' }, verification });
    expect(res.status).toBe(201);
    const requests = res.body.requests as { id: string; customerId: string; dueAt: string }[];
    expect(requests.map((r) => r.customerId)).toEqual([zendesk!.id, teams!.id]);
    expect(res.body.request).toEqual(requests[0]);
    expect(new Set(requests.map((r) => r.dueAt)).size).toBe(1);
    // Named again the same way while open: refused, as for one record.
    expect((await receive({ kind: 'access', subject: { email: 'morgan@example.org' }, verification })).status).toBe(409);

    const outcomes = await worker().drain();
    for (const request of requests) {
      expect(outcomes.get(request.id)).toBe('completed');
      const done = await t.call('GET', `/api/dsar/${request.id}`, { token: dpo });
      expect(done.body.request.outcome).toMatchObject({ dataHeld: true, exportId: expect.any(String) });
    }
    const bundles = await database.db.select().from(dsarExports).where(inArray(dsarExports.requestId, requests.map((r) => r.id)));
    expect(bundles).toHaveLength(2);
  });

  it('answers a subject Parley does not know with "no data held"', async () => {
    const res = await receive({ kind: 'erasure', subject: { email: 'nobody@example.org' }, verification });
    expect(res.status).toBe(201);
    expect(res.body.request).toMatchObject({ subjectKnown: false, customerId: null, state: 'received' });
    const outcomes = await worker().drain();
    expect(outcomes.get(res.body.request.id)).toBe('completed');
    const done = await t.call('GET', `/api/dsar/${res.body.request.id}`, { token: dpo });
    expect(done.body.request).toMatchObject({ state: 'completed', overdue: false, daysLeft: null });
    expect(done.body.request.outcome.noDataHeld).toBe(true);
    const actions = (await database.db.select().from(auditEvents).where(eq(auditEvents.subjectId, res.body.request.id)).orderBy(auditEvents.seq)).map((e) => e.action);
    expect(actions).toEqual(['dsar.received', 'dsar.started', 'dsar.completed']);
  });

  it('extends once, by up to two months, with a reason recorded for the requester', async () => {
    const res = await receive({ kind: 'access', subject: { email: 'ext@example.org' }, verification });
    const id = res.body.request.id as string;
    const before = new Date(res.body.request.dueAt);
    const tooLong = await t.call('POST', `/api/dsar/${id}/extend`, { token: dpo, body: { months: 3, reason: 'many recordings to review', requesterInformed: true } });
    expect(tooLong.status).toBe(400);
    const noReason = await t.call('POST', `/api/dsar/${id}/extend`, { token: dpo, body: { months: 2, requesterInformed: true } });
    expect(noReason.status).toBe(400);

    const extended = await t.call('POST', `/api/dsar/${id}/extend`, { token: dpo, body: { months: 2, reason: 'many recordings to review', requesterInformed: true } });
    expect(extended.status).toBe(200);
    const after = new Date(extended.body.request.dueAt);
    const expected = new Date(before);
    expected.setUTCMonth(expected.getUTCMonth() + 2);
    expect(after.getTime() - expected.getTime()).toBeLessThanOrEqual(3 * DAY); // month-end clamping
    expect(after.getTime()).toBeGreaterThan(before.getTime() + 58 * DAY);
    expect(extended.body.request).toMatchObject({ extended: true, extensionReason: 'many recordings to review' });
    expect(extended.body.request.outcome.extension).toMatchObject({
      months: 2,
      previousDueAt: before.toISOString(),
      requesterMustBeToldBy: before.toISOString(),
      requesterInformed: true,
    });

    const twice = await t.call('POST', `/api/dsar/${id}/extend`, { token: dpo, body: { months: 1, reason: 'still more to review', requesterInformed: true } });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('DSAR_ALREADY_EXTENDED');
    const events = await database.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'dsar.extended'), eq(auditEvents.subjectId, id)));
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events[0]!.details)).not.toContain('many recordings');
  });

  it('refuses an extension after the deadline and on an answered request', async () => {
    const late = await receive({ kind: 'access', subject: { email: 'late@example.org' }, verification });
    await database.db.update(dsarRequests).set({ dueAt: new Date(Date.now() - DAY) }).where(eq(dsarRequests.id, late.body.request.id));
    const res = await t.call('POST', `/api/dsar/${late.body.request.id}/extend`, { token: dpo, body: { months: 1, reason: 'many recordings to review', requesterInformed: false } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('DSAR_EXTENSION_TOO_LATE');

    const answered = await receive({ kind: 'erasure', subject: { email: 'answered@example.org' }, verification });
    await worker().drain();
    const closed = await t.call('POST', `/api/dsar/${answered.body.request.id}/extend`, { token: dpo, body: { months: 1, reason: 'many recordings to review', requesterInformed: true } });
    expect(closed.status).toBe(409);
    expect(closed.body.error.code).toBe('DSAR_CLOSED');
  });

  it('lists open requests by urgency (overdue first) and answered ones after, newest first', async () => {
    const make = async (email: string, dueInDays: number) => {
      const res = await receive({ kind: 'access', subject: { email }, verification });
      await database.db.update(dsarRequests).set({ dueAt: new Date(Date.now() + dueInDays * DAY) }).where(eq(dsarRequests.id, res.body.request.id));
      return res.body.request.id as string;
    };
    const relaxed = await make('relaxed@example.org', 25);
    const urgent = await make('urgent@example.org', 2);
    const overdue = await make('overdue@example.org', -3);
    const list = await t.call('GET', '/api/dsar', { token: dpo });
    expect(list.status).toBe(200);
    const requests = list.body.requests as { id: string; state: string; overdue: boolean; daysLeft: number | null; receivedAt: string }[];
    const ids = requests.map((r) => r.id);
    expect(ids.indexOf(overdue)).toBeLessThan(ids.indexOf(urgent));
    expect(ids.indexOf(urgent)).toBeLessThan(ids.indexOf(relaxed));
    expect(requests.find((r) => r.id === overdue)).toMatchObject({ overdue: true, daysLeft: -3 });
    expect(requests.find((r) => r.id === urgent)).toMatchObject({ overdue: false, daysLeft: 2 });
    const firstClosed = requests.findIndex((r) => !['received', 'in_progress'].includes(r.state));
    expect(firstClosed).toBeGreaterThan(0);
    expect(requests.slice(0, firstClosed).every((r) => ['received', 'in_progress'].includes(r.state))).toBe(true);
    const closed = requests.slice(firstClosed);
    expect(closed.every((r) => !['received', 'in_progress'].includes(r.state))).toBe(true);
    expect(closed.map((r) => r.receivedAt)).toEqual([...closed.map((r) => r.receivedAt)].sort().reverse());
  });

  it('pages through every request in the same order, across open and answered, whatever arrives meanwhile', async () => {
    const all = async () => (await t.call('GET', '/api/dsar?limit=200', { token: dpo })).body as { requests: { id: string }[]; nextCursor: string | null };
    const whole = await all();
    expect(whole.nextCursor).toBeNull();
    expect(whole.requests.length).toBeGreaterThan(5);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    let meanwhile = '';
    do {
      const res = await t.call('GET', `/api/dsar?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: dpo });
      expect(res.status).toBe(200);
      const page = res.body as { requests: { id: string }[]; nextCursor: string | null };
      expect(page.requests.length).toBeLessThanOrEqual(2);
      seen.push(...page.requests.map((r) => r.id));
      cursor = page.nextCursor;
      // A request received after the first page is due later than the open ones shown there: a later
      // page shows it, and nothing repeats or goes missing because of it.
      if (pages++ === 0) meanwhile = (await receive({ kind: 'access', subject: { email: 'meanwhile@example.org' }, verification })).body.request.id as string;
    } while (cursor);
    expect(pages).toBeGreaterThan(3);
    expect(seen.filter((id) => id !== meanwhile)).toEqual(whole.requests.map((r) => r.id));
    expect(seen.filter((id) => id === meanwhile)).toHaveLength(1);

    for (const bad of ['not-a-cursor', Buffer.from(JSON.stringify(['0', '1 OR 1=1', crypto.randomUUID()])).toString('base64url'), Buffer.from(JSON.stringify(['2', '1', crypto.randomUUID()])).toString('base64url')]) {
      const res = await t.call('GET', `/api/dsar?cursor=${bad}`, { token: dpo });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('INVALID_CURSOR');
    }
    expect((await t.call('GET', '/api/dsar?limit=0', { token: dpo })).status).toBe(400);
    expect((await t.call('GET', '/api/dsar?limit=201', { token: dpo })).status).toBe(400);
  });

  it('lets only the DPO handle requests, and never shows another account’s', async () => {
    const res = await receive({ kind: 'access', subject: { email: 'perm@example.org' }, verification });
    const id = res.body.request.id as string;
    expect((await receive({ kind: 'access', subject: { email: 'x@example.org' }, verification }, agent)).status).toBe(403);
    expect((await t.call('GET', `/api/dsar/${id}`, { token: agent })).status).toBe(403);
    expect((await t.call('GET', '/api/dsar', { token: agent })).status).toBe(403);
    expect((await t.call('POST', `/api/dsar/${id}/extend`, { token: agent, body: { months: 1, reason: 'many recordings to review', requesterInformed: true } })).status).toBe(403);
    expect((await t.call('GET', `/api/dsar/${id}`)).status).toBe(401);
    const stranger = await t.call('GET', `/api/dsar/${id}`, { token: strangerDpo });
    expect(stranger.status).toBe(404);
    expect((await t.call('POST', `/api/dsar/${id}/extend`, { token: strangerDpo, body: { months: 1, reason: 'many recordings to review', requesterInformed: true } })).status).toBe(404);
    expect((await t.call('GET', '/api/dsar', { token: strangerDpo })).body.requests).toEqual([]);
    expect((await t.call('GET', `/api/dsar/${id}`, { token: dpo })).status).toBe(200);
  });

  it('keeps an export bundle only in a region the account allows: it waits, says why, and goes on once allowed', async () => {
    const [rita] = await database.db.insert(customers).values({ tenantId, displayName: 'Rita Customer', email: 'rita@example.org' }).returning();
    const [before] = await database.db.select({ allowedRegions: tenants.allowedRegions }).from(tenants).where(eq(tenants.id, tenantId));
    await database.db.update(tenants).set({ allowedRegions: ['us'] }).where(eq(tenants.id, tenantId));
    try {
      const received = await receive({ kind: 'access', subject: { email: 'rita@example.org' }, verification });
      expect(received.status).toBe(201);
      const id = received.body.request.id as string;
      expect((await worker().drain()).get(id)).not.toBe('completed');
      const [waiting] = await database.db.select().from(dsarRequests).where(eq(dsarRequests.id, id));
      expect(waiting!.state).not.toBe('completed');
      expect(waiting!.lastError).toMatch(/region eu, which this account does not allow/);
      expect(await database.db.select().from(dsarExports).where(eq(dsarExports.requestId, id))).toEqual([]);

      await database.db.update(tenants).set({ allowedRegions: before!.allowedRegions }).where(eq(tenants.id, tenantId));
      await database.db.update(dsarRequests).set({ nextAttemptAt: new Date() }).where(eq(dsarRequests.id, id));
      expect((await worker().drain()).get(id)).toBe('completed');
      expect(await database.db.select().from(dsarExports).where(eq(dsarExports.requestId, id))).toHaveLength(1);
      expect(rita!.id).toBe((await database.db.select().from(dsarRequests).where(eq(dsarRequests.id, id)))[0]!.customerId);
    } finally {
      await database.db.update(tenants).set({ allowedRegions: before!.allowedRegions }).where(eq(tenants.id, tenantId));
    }
  });

  it('makes no export while an erasure of the same subject is open, and makes it once that is done', async () => {
    const [sam] = await database.db.insert(customers).values({ tenantId, displayName: 'Sam Customer', email: 'sam@example.org' }).returning();
    const requests = await database.db
      .insert(dsarRequests)
      .values(
        (['erasure', 'access'] as const).map((kind) => ({ tenantId, kind, customerId: sam!.id, subjectDigest: `both-${kind}`, verification, dueAt: new Date(Date.now() + 30 * DAY) })),
      )
      .returning();
    const [erasure, access] = requests;
    const deps = { db: database.db, logger: pino({ level: 'silent' }), masterKeys: t.recordings.masterKeys, stores: t.recordings.stores, publicBaseUrl: PUBLIC_BASE_URL, dataDir: t.dataDir };
    await expect(runAccessRequest(deps, access!, async () => {})).rejects.toBeInstanceOf(DsarNotYet);
    expect(await database.db.select().from(dsarExports).where(eq(dsarExports.requestId, access!.id))).toEqual([]);
    await database.db.update(dsarRequests).set({ state: 'completed', completedAt: new Date() }).where(eq(dsarRequests.id, erasure!.id));
    expect(await runAccessRequest(deps, access!, async () => {})).toMatchObject({ state: 'completed' });
  });

  it('leaves no bundle when an erasure of the subject runs while the export is written, and exports what is left after it', async () => {
    const [lee] = await database.db.insert(customers).values({ tenantId, displayName: 'Lee Customer', email: 'lee@example.org' }).returning();
    const due = new Date(Date.now() + 30 * DAY);
    const [access] = await database.db.insert(dsarRequests).values({ tenantId, kind: 'access', customerId: lee!.id, subjectDigest: 'lee-access', verification, dueAt: due }).returning();
    const deps = { db: database.db, logger: pino({ level: 'silent' }), masterKeys: t.recordings.masterKeys, stores: t.recordings.stores, publicBaseUrl: PUBLIC_BASE_URL, dataDir: t.dataDir };
    const bundlesOf = () => database.db.select().from(dsarExports).where(eq(dsarExports.requestId, access!.id));
    const store = t.recordings.stores.get(EXPORT_STORE)!;
    let preparing: { objectKey: string } | undefined;

    // The export is writing its bundle when the erasure is received and runs to the end.
    let erased = false;
    const duringExport = async () => {
      if (erased) return;
      erased = true;
      [preparing] = await bundlesOf();
      expect(preparing).toBeDefined();
      const [erasure] = await database.db.insert(dsarRequests).values({ tenantId, kind: 'erasure', customerId: lee!.id, subjectDigest: 'lee-erasure', verification, dueAt: due }).returning();
      expect(await runErasureRequest(deps, erasure!, async () => {})).toMatchObject({ state: 'completed' });
      await database.db.update(dsarRequests).set({ state: 'completed', completedAt: new Date() }).where(eq(dsarRequests.id, erasure!.id));
    };
    await expect(runAccessRequest(deps, access!, duringExport)).rejects.toBeInstanceOf(DsarNotYet);
    expect(await bundlesOf()).toEqual([]);
    expect(await store.head(preparing!.objectKey)).toBeNull();

    // Run again, it answers with what the erasure left: a blanked record, not the name it had.
    const again = await runAccessRequest(deps, access!, async () => {});
    expect(again).toMatchObject({ state: 'completed', outcome: { dataHeld: true } });
    const [bundle] = await bundlesOf();
    expect(bundle?.sizeBytes).toBeGreaterThan(0);
    const [record] = await database.db.select().from(customers).where(eq(customers.id, lee!.id));
    expect(record).toMatchObject({ displayName: null, email: null, erasedAt: expect.any(Date) });
  });

  it('answers bad input with 400 and says what is wrong', async () => {
    // Each bad body, and the field its error must name.
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ kind: 'access', subject: { email: 'not-an-email' }, verification }, /subject/],
      [{ kind: 'rectification', subject: { email: 'a@example.org' }, verification }, /kind/],
      [{ kind: 'access', subject: { email: 'a@example.org', host: 'zendesk', externalId: '1' }, verification }, /subject/],
      [{ kind: 'access', subject: { host: 'slack', externalId: '1' }, verification }, /subject/],
      [{ kind: 'access', subject: { email: 'a@example.org' } }, /verification/],
      [{ kind: 'access', subject: { email: 'a@example.org' }, verification: '' }, /verification/],
      [{ kind: 'access', verification }, /subject/],
    ];
    for (const [body, field] of bad) {
      const res = await receive(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code, JSON.stringify(body)).toBe('VALIDATION_FAILED');
      expect(res.body.error.message, JSON.stringify(body)).toMatch(field);
      // Each refused field is also named on its own, for a form to mark it.
      expect(res.body.error.fields.map((f: { path: string }) => f.path).join(' '), JSON.stringify(body)).toMatch(field);
    }
    expect((await t.call('POST', '/api/dsar', { token: dpo, rawBody: '{"kind":' })).status).toBe(400);
    expect((await t.call('GET', '/api/dsar/not-a-uuid', { token: dpo })).status).toBe(400);
    expect((await t.call('GET', '/api/dsar/00000000-0000-4000-8000-000000000000', { token: dpo })).status).toBe(404);
  });
});
