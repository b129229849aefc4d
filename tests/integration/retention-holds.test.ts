import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../backend/src/db/client.js';
import { auditEvents, calls, cases, consentRecords, customers, dsarRequests, legalHolds, meetingTypes, nonces, noticeVersions, participants, recordings } from '../../backend/src/db/schema/index.js';
import { deleteDueRecordings } from '../../backend/src/services/recordings/delete-due.js';
import { deleteDueCallData } from '../../backend/src/services/retention/delete-due-call-data.js';
import { lockCustomerData } from '../../backend/src/services/legal-holds/active.js';
import { sweepExpiredNonces, useOnce } from '../../backend/src/services/identity/one-time-values.js';
import type { LocalJanus } from '../../media/janus/local-node.js';
import { databaseKinds, freshDatabase } from '../support/databases.js';
import { seedAgent } from '../support/principals.js';
import { buildTestApp, type TestApp } from '../support/test-app.js';

/** Retention and legal holds never touch media: a node that is configured but never contacted. */
const noMediaServer = {
  node: { id: 'unused', wsUrl: 'ws://127.0.0.1:9', adminUrl: 'http://127.0.0.1:9', browserUrl: 'http://127.0.0.1:9', apiSecret: 'x'.repeat(16), adminSecret: 'x'.repeat(16), adminKey: 'x'.repeat(16) },
} as LocalJanus;

const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY);
type TypeKey = 'support' | 'advice' | 'consultation';

describe.each(databaseKinds)('retention and legal holds on %s', (kind) => {
  let database: Database;
  let t: TestApp;
  let tenantId: string;
  let admin: string;
  let dpo: string;
  let agent: string;
  let types: Record<TypeKey, string>;
  const logger = pino({ level: 'silent' });

  beforeAll(async () => {
    database = await freshDatabase(kind);
    t = await buildTestApp(database, noMediaServer);
    admin = await t.signIn('acme', 'admin-1', 'admin');
    dpo = await t.signIn('acme', 'dpo-1', 'dpo');
    agent = await t.signIn('acme', 'agent-1', 'agent');
    tenantId = (await t.tokens.verify(admin)).tenantId;
    const rows = await database.db.select({ id: meetingTypes.id, key: meetingTypes.key }).from(meetingTypes).where(eq(meetingTypes.tenantId, tenantId));
    types = Object.fromEntries(rows.map((r) => [r.key, r.id])) as Record<TypeKey, string>;
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await database?.close();
  });

  /** An ended call of `type`, with consent records and, if asked, a stored recording, as old as asked. */
  async function seedCall(type: TypeKey, options: { endedDaysAgo: number; recordingStoredDaysAgo?: number; consentRecords?: number; customerId?: string; caseId?: string }) {
    const db = database.db;
    const owner = await seedAgent(db, tenantId, { roles: [] });
    const [customer] = options.customerId
      ? [{ id: options.customerId }]
      : await db.insert(customers).values({ tenantId, displayName: 'Kim Customer', email: 'kim@example.org' }).returning({ id: customers.id });
    const [kase] = options.caseId
      ? [{ id: options.caseId }]
      : await db
          .insert(cases)
          .values({ tenantId, host: 'zendesk', externalId: String(Math.floor(Math.random() * 1e12)), customerId: customer!.id })
          .returning({ id: cases.id });
    const [call] = await db
      .insert(calls)
      .values({
        tenantId, caseId: kase!.id, customerId: customer!.id, agentId: owner.agentId, meetingTypeId: types[type], state: 'ended',
        mediaNodeId: 'janus-1', mediaRoomId: 1, mediaRoomPin: '0000', mediaRoomSecret: 'secret', endedAt: daysAgo(options.endedDaysAgo),
      })
      .returning({ id: calls.id });
    await db.insert(participants).values({ tenantId, callId: call!.id, role: 'customer' });
    const [notice] = await db.select({ id: noticeVersions.id, hash: noticeVersions.contentHash }).from(noticeVersions).where(eq(noticeVersions.tenantId, tenantId)).limit(1);
    for (let i = 0; i < (options.consentRecords ?? 1); i += 1) {
      await db.insert(consentRecords).values({
        tenantId, callId: call!.id, customerId: customer!.id, noticeVersionId: notice!.id, noticeHash: notice!.hash, language: 'en',
        channel: 'zendesk_ticket', purpose: 'join', event: 'decision', granted: true, at: daysAgo(options.endedDaysAgo),
      });
    }
    let recordingId: string | undefined;
    if (options.recordingStoredDaysAgo !== undefined) {
      recordingId = randomUUID();
      await db.insert(recordings).values({
        id: recordingId, tenantId, callId: call!.id, caseId: kase!.id, customerId: customer!.id, stage: 'done', rawDir: join(t.dataDir, 'gone', recordingId),
        storageLocation: 'local', media: 'audio+video', objectKey: `retention/${recordingId}.prly`, keyId: `rk-${recordingId}`, storedAt: daysAgo(options.recordingStoredDaysAgo), sizeBytes: 1,
      });
    }
    return { customerId: customer!.id, caseId: kase!.id, callId: call!.id, recordingId };
  }

  const stageOf = async (recordingId: string) =>
    (await database.db.select({ stage: recordings.stage }).from(recordings).where(eq(recordings.id, recordingId)))[0]?.stage;
  const callExists = async (callId: string) => (await database.db.select({ id: calls.id }).from(calls).where(eq(calls.id, callId))).length === 1;
  const consentCount = async (callId: string) => (await database.db.select({ id: consentRecords.id }).from(consentRecords).where(eq(consentRecords.callId, callId))).length;
  const runRetention = async () => {
    await deleteDueRecordings({ db: database.db, stores: t.recordings.stores, logger });
    return deleteDueCallData({ db: database.db, logger });
  };

  it.each(['recording', 'case', 'customer'] as const)('deletes nothing under a legal hold on its %s, and deletes it once the hold is released', async (target) => {
    // Consultation recordings are kept 90 days: this one is past due.
    const seeded = await seedCall('consultation', { endedDaysAgo: 100, recordingStoredDaysAgo: 100 });
    const targetId = target === 'recording' ? seeded.recordingId! : target === 'case' ? seeded.caseId : seeded.customerId;
    const placed = await t.call('POST', '/api/legal-holds', { token: dpo, body: { targetType: target, targetId, reference: 'Matter 2026/17' } });
    expect(placed.status).toBe(201);

    await runRetention();
    expect(await stageOf(seeded.recordingId!)).toBe('done');
    const early = await t.call('DELETE', `/api/recordings/${seeded.recordingId}`, { token: admin, body: { reason: 'customer_request' } });
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ code: 'LEGAL_HOLD', message: expect.stringContaining('Matter 2026/17') });
    expect(await stageOf(seeded.recordingId!)).toBe('done');

    const listed = await t.call('GET', '/api/legal-holds', { token: admin });
    expect(listed.body.holds.map((h: { id: string }) => h.id)).toContain(placed.body.hold.id);
    expect((await t.call('POST', `/api/legal-holds/${placed.body.hold.id}/release`, { token: dpo })).status).toBe(200);
    await runRetention();
    expect(await stageOf(seeded.recordingId!)).toBe('deleted');

    const trail = await database.db
      .select({ action: auditEvents.action })
      .from(auditEvents)
      .where(and(eq(auditEvents.tenantId, tenantId), eq(auditEvents.subjectId, targetId)));
    expect(trail.map((e) => e.action)).toEqual(expect.arrayContaining(['legal_hold.placed', 'legal_hold.released']));
  });

  it('keeps a recording whose hold is placed while its early deletion waits', async () => {
    const seeded = await seedCall('consultation', { endedDaysAgo: 1, recordingStoredDaysAgo: 1 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let placed!: () => void;
    const holdIsIn = new Promise<void>((resolve) => (placed = resolve));
    // A hold being placed, as place.ts does it: under the customer's lock, not committed yet.
    const placing = database.db.transaction(async (tx) => {
      await lockCustomerData(tx, tenantId, seeded.customerId);
      await tx.insert(legalHolds).values({ tenantId, targetType: 'customer', targetId: seeded.customerId, reference: 'RACE-1' });
      placed();
      await gate;
    });
    await holdIsIn;
    const deleting = t.call('DELETE', `/api/recordings/${seeded.recordingId}`, { token: admin, body: { reason: 'customer_request' } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    release();
    await placing;
    const res = await deleting;
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('LEGAL_HOLD');
    expect(await stageOf(seeded.recordingId!)).toBe('done');
  });

  it('keeps a held call’s consent records and metadata past their periods', async () => {
    const seeded = await seedCall('support', { endedDaysAgo: 400, consentRecords: 2 });
    expect((await t.call('POST', '/api/legal-holds', { token: admin, body: { targetType: 'customer', targetId: seeded.customerId, reference: 'LIT-9' } })).status).toBe(201);
    await runRetention();
    expect(await callExists(seeded.callId)).toBe(true);
    expect(await consentCount(seeded.callId)).toBe(2);
  });

  it('deletes consent records and then the call when their periods end, and not a day before', async () => {
    // Support calls: metadata and consent records kept 365 days.
    const due = await seedCall('support', { endedDaysAgo: 366, consentRecords: 3 });
    const notYet = await seedCall('support', { endedDaysAgo: 364, consentRecords: 1 });
    const result = await runRetention();
    expect(result.consentRecords).toBeGreaterThanOrEqual(3);
    expect(await consentCount(due.callId)).toBe(0);
    expect(await callExists(due.callId)).toBe(false);
    expect(await consentCount(notYet.callId)).toBe(1);
    expect(await callExists(notYet.callId)).toBe(true);

    const trail = await database.db.select({ action: auditEvents.action, details: auditEvents.details }).from(auditEvents).where(eq(auditEvents.subjectId, due.callId));
    expect(trail).toEqual(
      expect.arrayContaining([
        { action: 'consent.records_deleted', details: { reason: 'retention', records: 3 } },
        expect.objectContaining({ action: 'call.metadata_deleted' }),
      ]),
    );
  });

  it('deletes the case and the customer record with the last call, and not while anything of theirs is kept or asked about', async () => {
    const customerExists = async (id: string) => (await database.db.select({ id: customers.id }).from(customers).where(eq(customers.id, id))).length === 1;
    const caseExists = async (id: string) => (await database.db.select({ id: cases.id }).from(cases).where(eq(cases.id, id))).length === 1;
    // One old call and nothing else: all of it goes.
    const alone = await seedCall('support', { endedDaysAgo: 400 });
    // An old call and a recent one: the old call and its case go, the customer stays for the recent one.
    const regular = await seedCall('support', { endedDaysAgo: 400 });
    const recent = await seedCall('support', { endedDaysAgo: 10, customerId: regular.customerId });
    // An old call, but the customer has asked for their data and the request is still open.
    const asking = await seedCall('support', { endedDaysAgo: 400 });
    await database.db.insert(dsarRequests).values({ tenantId, kind: 'access', customerId: asking.customerId, subjectDigest: 'retention-test', verification: 'checked', dueAt: new Date(Date.now() + 86_400_000) });

    const result = await runRetention();
    expect(result.customers).toBeGreaterThanOrEqual(1);
    expect(await callExists(alone.callId)).toBe(false);
    expect(await caseExists(alone.caseId)).toBe(false);
    expect(await customerExists(alone.customerId)).toBe(false);

    expect(await callExists(regular.callId)).toBe(false);
    expect(await caseExists(regular.caseId)).toBe(false);
    expect(await customerExists(regular.customerId)).toBe(true);
    expect(await callExists(recent.callId)).toBe(true);
    expect(await caseExists(recent.caseId)).toBe(true);

    expect(await callExists(asking.callId)).toBe(false);
    expect(await customerExists(asking.customerId)).toBe(true);

    // A case two people share (a Teams group chat): the first one's old call goes, their case and
    // record stay while the other's call is on it, and that call is untouched.
    const first = await seedCall('support', { endedDaysAgo: 400 });
    const second = await seedCall('support', { endedDaysAgo: 10, caseId: first.caseId });
    await runRetention();
    expect(await callExists(first.callId)).toBe(false);
    expect(await caseExists(first.caseId)).toBe(true);
    expect(await customerExists(first.customerId)).toBe(true);
    expect(await callExists(second.callId)).toBe(true);

    const trail = await database.db.select({ action: auditEvents.action, details: auditEvents.details }).from(auditEvents).where(eq(auditEvents.subjectId, alone.customerId));
    expect(trail).toEqual([{ action: 'customer.deleted', details: { reason: 'retention' } }]);
    expect(await database.db.select().from(auditEvents).where(and(eq(auditEvents.subjectId, alone.caseId), eq(auditEvents.action, 'case.deleted')))).toHaveLength(1);
  });

  it('keeps a call whose recording is still kept, however old its metadata', async () => {
    // Advice calls are recorded under a legal duty and kept five years; its metadata too.
    const seeded = await seedCall('advice', { endedDaysAgo: 6 * 365, recordingStoredDaysAgo: 10 });
    await runRetention();
    expect(await stageOf(seeded.recordingId!)).toBe('done');
    expect(await callExists(seeded.callId)).toBe(true);
    // Its consent records too, past their own five years: they prove the recording may be kept.
    expect(await consentCount(seeded.callId)).toBe(1);
  });

  it('refuses to delete consent records outside retention: they stay append-only evidence', async () => {
    const seeded = await seedCall('support', { endedDaysAgo: 1 });
    // The driver wraps the database's refusal; its cause carries the trigger's words.
    const refusal = (error: unknown) => `${String(error)} ${String((error as { cause?: unknown }).cause)}`;
    await expect(database.db.delete(consentRecords).where(eq(consentRecords.callId, seeded.callId)).catch(refusal)).resolves.toMatch(/append-only/);
    await expect(database.db.execute(sql`update consent_records set granted = false where call_id = ${seeded.callId}`).catch(refusal)).resolves.toMatch(/append-only/);
    expect(await consentCount(seeded.callId)).toBe(1);
  });

  it('shows how many items a retention change affects before saving it, and saves only when confirmed', async () => {
    const old = await seedCall('consultation', { endedDaysAgo: 50, recordingStoredDaysAgo: 50 });
    const recent = await seedCall('consultation', { endedDaysAgo: 5, recordingStoredDaysAgo: 5 });
    const held = await seedCall('consultation', { endedDaysAgo: 60, recordingStoredDaysAgo: 60 });
    await t.call('POST', '/api/legal-holds', { token: admin, body: { targetType: 'recording', targetId: held.recordingId, reference: 'HOLD-1' } });
    const body = { recordingDays: 30, metadataDays: 3 * 365, consentDays: 3 * 365 };

    const preview = await t.call('PUT', `/api/admin/meeting-types/${types.consultation}/retention`, { token: admin, body });
    expect(preview.status).toBe(200);
    expect(preview.body.saved).toBe(false);
    expect(preview.body.current.recordingDays).toBe(90);
    expect(preview.body.affected.recordings).toBeGreaterThanOrEqual(1);
    expect(preview.body.affected.heldRecordings).toBeGreaterThanOrEqual(1);
    await runRetention();
    expect(await stageOf(old.recordingId!)).toBe('done');

    const saved = await t.call('PUT', `/api/admin/meeting-types/${types.consultation}/retention`, { token: admin, body: { ...body, confirm: true } });
    expect(saved.body).toMatchObject({ saved: true, current: { recordingDays: 30 } });
    const listed = (await t.call('GET', '/api/meeting-types', { token: admin })).body.meetingTypes as { id: string; retentionDays: number }[];
    expect(listed.find((type) => type.id === types.consultation)?.retentionDays, 'the meeting-type list shows the saved period').toBe(30);
    await runRetention();
    expect(await stageOf(old.recordingId!)).toBe('deleted');
    expect(await stageOf(recent.recordingId!)).toBe('done');
    expect(await stageOf(held.recordingId!)).toBe('done');
  });

  it('sweeps one-time values past their expiry, and keeps the ones still guarding a token', async () => {
    const kind = `sweep-${randomUUID()}`;
    expect(await useOnce(database.db, kind, 'spent-token', daysAgo(1))).toBe(true);
    expect(await useOnce(database.db, kind, 'live-token', new Date(Date.now() + DAY))).toBe(true);
    expect(await sweepExpiredNonces(database.db)).toBeGreaterThanOrEqual(1);
    const left = await database.db.select({ kind: nonces.kind }).from(nonces).where(eq(nonces.kind, kind));
    expect(left).toHaveLength(1);
    // The live one still refuses a replay.
    expect(await useOnce(database.db, kind, 'live-token', new Date(Date.now() + DAY))).toBe(false);
  });

  it('refuses periods that would delete a call before its recording or consent records, and bad holds', async () => {
    const tooShort = await t.call('PUT', `/api/admin/meeting-types/${types.support}/retention`, { token: admin, body: { recordingDays: 30, metadataDays: 10, consentDays: 10 } });
    expect(tooShort.status).toBe(400);
    expect(JSON.stringify(tooShort.body)).toMatch(/at least as long as recordings/);
    expect((await t.call('PUT', `/api/admin/meeting-types/${types.support}/retention`, { token: agent, body: { recordingDays: 30, metadataDays: 365, consentDays: 365 } })).status).toBe(403);

    expect((await t.call('POST', '/api/legal-holds', { token: agent, body: { targetType: 'customer', targetId: randomUUID(), reference: 'X-1' } })).status).toBe(403);
    expect((await t.call('POST', '/api/legal-holds', { token: dpo, body: { targetType: 'customer', targetId: randomUUID(), reference: 'X-1' } })).status).toBe(404);
    expect((await t.call('POST', '/api/legal-holds', { token: dpo, body: { targetType: 'ticket', targetId: randomUUID(), reference: 'X-1' } })).status).toBe(400);
    const stranger = await t.signIn('other-co', 'someone', 'dpo');
    const seeded = await seedCall('support', { endedDaysAgo: 1 });
    expect((await t.call('POST', '/api/legal-holds', { token: stranger, body: { targetType: 'case', targetId: seeded.caseId, reference: 'X-2' } })).status).toBe(404);
    const twice = { targetType: 'case', targetId: seeded.caseId, reference: 'X-3' };
    expect((await t.call('POST', '/api/legal-holds', { token: dpo, body: twice })).status).toBe(201);
    expect((await t.call('POST', '/api/legal-holds', { token: dpo, body: twice })).status).toBe(409);
  });
});
