import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../backend/src/db/client.js';
import { auditEvents, calls, cases, customers, meetingTypes, outboxMessages, recordings } from '../../backend/src/db/schema/index.js';
import { upsertClient } from '../../backend/src/services/access/assignments.js';
import { recordAuditBatch } from '../../backend/src/services/audit/record.js';
import { consentOfferValues, consentOfferWrites, planConsentOffer } from '../../backend/src/services/consent/offer.js';
import { writeTogether } from '../../backend/src/db/write-together.js';
import { locales } from '../../backend/src/services/notices/locales/index.js';
import { latestNotice } from '../../backend/src/services/notices/publish.js';
import { forecastMonths } from '../../backend/src/services/retention/forecast.js';
import type { LocalJanus } from '../../media/janus/local-node.js';
import { databaseKinds, freshDatabase } from '../support/databases.js';
import { seedAgent } from '../support/principals.js';
import { buildTestApp, PUBLIC_BASE_URL, tokenOf, type TestApp } from '../support/test-app.js';

/** Nothing here reaches a media server: a node nobody calls stands in for one. */
const noMedia = {
  node: { id: 'unused', wsUrl: 'ws://127.0.0.1:9', adminUrl: 'http://127.0.0.1:9', browserUrl: 'http://127.0.0.1:9', apiSecret: 'x'.repeat(16), adminSecret: 'x'.repeat(16), adminKey: 'x'.repeat(16) },
} as LocalJanus;

const DAY = 86_400_000;
type TypeKey = 'support' | 'advice' | 'consultation';
type Types = Record<TypeKey, string>;

interface SeedOptions {
  org?: string | null;
  createdAt?: Date;
  stage?: 'pending' | 'done' | 'deleted';
  storedAt?: Date | null;
  sizeBytes?: number | null;
  blobDeletedAt?: Date;
  callState?: 'created' | 'ended';
}

describe.each(databaseKinds)('admin console API on %s', (kind) => {
  let database: Database;
  let t: TestApp;

  beforeAll(async () => {
    database = await freshDatabase(kind);
    t = await buildTestApp(database, noMedia);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await database?.close();
  });

  async function signIn(account: string, user: string, role: 'agent' | 'admin' | 'supervisor' | 'dpo', organizations: string[] = []) {
    const res = await t.call('POST', '/api/demo/session', { body: { accountId: account, userId: user, name: `Dana ${role}`, role, organizations } });
    expect(res.status).toBe(201);
    const claims = await t.tokens.verify(res.body.token as string);
    if (claims.kind !== 'agent') throw new Error('expected an agent session');
    return { token: res.body.token as string, tenantId: claims.tenantId, agentId: claims.agentId };
  }

  async function typeIds(tenantId: string): Promise<Types> {
    const rows = await database.db.select({ id: meetingTypes.id, key: meetingTypes.key }).from(meetingTypes).where(eq(meetingTypes.tenantId, tenantId));
    return Object.fromEntries(rows.map((r) => [r.key, r.id])) as Types;
  }

  /** A customer, case (of `org`, if given) and call of the type, with a recording in the state asked for, rows as the pipeline leaves them. */
  async function seedRecording(tenantId: string, meetingTypeId: string, o: SeedOptions = {}) {
    const db = database.db;
    const owner = await seedAgent(db, tenantId, { roles: [] });
    const [customer] = await db.insert(customers).values({ tenantId, displayName: `Customer ${randomUUID().slice(0, 8)}` }).returning({ id: customers.id });
    const clientId = o.org ? await upsertClient(db, tenantId, { kind: 'zendesk_organization', externalId: o.org }) : null;
    const ticket = String(Math.floor(Math.random() * 1e12));
    const [kase] = await db.insert(cases).values({ tenantId, host: 'zendesk', externalId: ticket, customerId: customer!.id, clientId }).returning({ id: cases.id });
    const open = o.callState === 'created';
    const [call] = await db
      .insert(calls)
      .values({
        tenantId, caseId: kase!.id, customerId: customer!.id, agentId: owner.agentId, meetingTypeId, state: open ? 'created' : 'ended',
        mediaNodeId: 'janus-1', mediaRoomId: 1, mediaRoomPin: '0000', mediaRoomSecret: 'secret', endedAt: open ? null : new Date(),
      })
      .returning({ id: calls.id });
    const id = randomUUID();
    const stage = o.stage ?? 'done';
    const stored = stage !== 'pending';
    await db.insert(recordings).values({
      id, tenantId, callId: call!.id, caseId: kase!.id, customerId: customer!.id, stage, rawDir: join(t.dataDir, 'gone', id), storageLocation: 'local', media: 'audio+video',
      objectKey: stored ? `console/${id}.prly` : null, keyId: `rk-${id}`, storedAt: stored ? (o.storedAt ?? new Date()) : null,
      sizeBytes: o.sizeBytes === undefined ? 1 : o.sizeBytes, durationSeconds: 42, blobDeletedAt: o.blobDeletedAt ?? null,
      ...(o.createdAt ? { createdAt: o.createdAt } : {}),
    });
    return { id, customerId: customer!.id, caseId: kase!.id, callId: call!.id, ticket };
  }

  it('describes every console route in the OpenAPI document, behind a session', async () => {
    const { body } = await t.call('GET', '/api/openapi.json');
    const operations: [string, string][] = [
      ['/api/admin/meeting-types/{id}', 'put'],
      ['/api/admin/meeting-types/{id}/preview', 'post'],
      ['/api/admin/recordings', 'get'],
      ['/api/admin/audit', 'get'],
      ['/api/admin/retention/forecast', 'get'],
      ['/api/admin/storage/usage', 'get'],
    ];
    for (const [path, method] of operations) expect(body.paths[path]?.[method]?.security, `${method} ${path}`).toEqual([{ session: [] }]);
  });

  describe('meeting type editor and preview', () => {
    let admin: Awaited<ReturnType<typeof signIn>>;
    let agent: Awaited<ReturnType<typeof signIn>>;
    let types: Types;
    const put = (id: string, body: unknown, token = admin.token) => t.call('PUT', `/api/admin/meeting-types/${id}`, { token, body });
    const preview = (id: string, body: unknown, token = admin.token) => t.call('POST', `/api/admin/meeting-types/${id}/preview`, { token, body });
    const listed = async (key: TypeKey) =>
      ((await t.call('GET', '/api/meeting-types', { token: admin.token })).body.meetingTypes as { key: string }[]).find((m) => m.key === key);
    const versions = async (id: string) => (await t.call('GET', `/api/meeting-types/${id}/notices`, { token: admin.token })).body.versions as { language: string; version: number }[];

    beforeAll(async () => {
      admin = await signIn('editor-co', 'admin-1', 'admin');
      agent = await signIn('editor-co', 'agent-1', 'agent');
      types = await typeIds(admin.tenantId);
    });

    it('refuses end-to-end encryption with recording, and legal bases that do not fit the recording policy, saving nothing', async () => {
      const e2ee = await put(types.consultation, { e2ee: true });
      expect(e2ee.status).toBe(400);
      expect(e2ee.body.error.code).toBe('E2EE_REQUIRES_NO_RECORDING');
      expect(e2ee.body.error.message).toMatch(/forbidden/);

      const optional = await put(types.support, { recordingPolicy: 'optional' });
      expect(optional.status).toBe(400);
      expect(optional.body.error.code).toBe('OPTIONAL_RECORDING_NEEDS_CONSENT');

      const required = await put(types.advice, { legalBasis: 'consent' });
      expect(required.status).toBe(400);
      expect(required.body.error.code).toBe('REQUIRED_RECORDING_NEEDS_LEGAL_GROUND');

      // Both at once: the message names both problems.
      const both = await put(types.advice, { e2ee: true, legalBasis: 'consent' });
      expect(both.status).toBe(400);
      expect(both.body.error.message).toMatch(/end-to-end/i);
      expect(both.body.error.message).toMatch(/consent/);

      expect(await listed('consultation')).toMatchObject({ recordingPolicy: 'optional', legalBasis: 'consent', e2ee: false });
      expect(await listed('support')).toMatchObject({ recordingPolicy: 'forbidden', legalBasis: 'legitimate_interest' });
      expect(await listed('advice')).toMatchObject({ recordingPolicy: 'required', legalBasis: 'legal_obligation', e2ee: false });
    });

    it('accepts a consistent change and answers with the meeting type as the list shows it', async () => {
      const saved = await put(types.support, { e2ee: true });
      expect(saved.status).toBe(200);
      expect(saved.body.meetingType).toEqual(await listed('support'));
      expect(saved.body.meetingType).toMatchObject({ key: 'support', recordingPolicy: 'forbidden', e2ee: true });

      // Recording and legal basis changed together, consistently.
      const switched = await put(types.consultation, { recordingPolicy: 'required', legalBasis: 'legal_obligation' });
      expect(switched.status).toBe(200);
      expect(switched.body.meetingType).toMatchObject({ recordingPolicy: 'required', legalBasis: 'legal_obligation' });
      expect((await put(types.consultation, { recordingPolicy: 'optional', legalBasis: 'consent' })).status).toBe(200);
    });

    it('lets only admins change or preview, hides other accounts’ types and refuses fields it does not know', async () => {
      expect((await put(types.support, { name: 'Mine now' }, agent.token)).status).toBe(403);
      expect((await preview(types.support, { language: 'en' }, agent.token)).status).toBe(403);
      const stranger = await signIn('stranger-co', 'admin-9', 'admin');
      expect((await put(types.support, { name: 'Theirs' }, stranger.token)).status).toBe(404);
      expect((await preview(types.support, { language: 'en' }, stranger.token)).status).toBe(404);
      expect((await put(randomUUID(), { name: 'Nobody' })).status).toBe(404);
      const unknown = await put(types.support, { supervisorMayJoin: true });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.code).toBe('VALIDATION_FAILED');
      expect((await put(types.support, { media: 'video' })).status).toBe(400);
      expect((await listed('support'))).toMatchObject({ name: 'Support call' });
    });

    it('publishes a new notice version in every language when the words change, and audits before and after', async () => {
      const before = await versions(types.consultation);
      const saved = await put(types.consultation, { media: 'audio' });
      expect(saved.status).toBe(200);
      expect(saved.body.noticeVersionsPublished).toBe(5);
      const after = await versions(types.consultation);
      expect(after).toHaveLength(before.length + 5);
      const latestEn = (list: typeof before) => Math.max(...list.filter((v) => v.language === 'en').map((v) => v.version));
      expect(latestEn(after)).toBe(latestEn(before) + 1);

      // The new words are what customers now get.
      const shown = await preview(types.consultation, { language: 'en' });
      expect(shown.body.preview.noticeHtml).toContain(locales.en.media.audio);
      expect(shown.body.preview.noticeVersion).toEqual({ current: latestEn(after), changes: false });

      const [event] = await database.db
        .select({ details: auditEvents.details, actorId: auditEvents.actorId })
        .from(auditEvents)
        .where(and(eq(auditEvents.tenantId, admin.tenantId), eq(auditEvents.action, 'meeting_type.changed'), eq(auditEvents.subjectId, types.consultation)))
        .orderBy(auditEvents.id)
        .then((rows) => rows.slice(-1));
      expect(event).toEqual({
        actorId: admin.agentId,
        details: { fields: 'media', 'before.media': 'audio+video', 'after.media': 'audio', noticeVersionsPublished: 5 },
      });

      // Saving what is already there changes nothing and publishes nothing.
      const same = await put(types.consultation, { media: 'audio' });
      expect(same.body.noticeVersionsPublished).toBe(0);
      expect(await versions(types.consultation)).toHaveLength(after.length);
    });

    it('previews a draft in German without saving it, and reports what would stop it being saved', async () => {
      const versionsBefore = await versions(types.support);
      const draft = { recordingPolicy: 'optional', legalBasis: 'consent', e2ee: false, name: 'Videoberatung' };
      const res = await preview(types.support, { language: 'de', draft });
      expect(res.status).toBe(200);
      const { preview: p } = res.body;
      expect(p.language).toBe('de');
      expect(p.noticeHtml).toMatch(/^<!doctype html>/i);
      expect(p.noticeHtml).toContain('<html lang="de">');
      expect(p.noticeHtml).toContain(locales.de.recording.optional);
      expect(p.noticeHtml).toContain(locales.de.legalBasis.consent);
      expect(p.noticeHtml).not.toContain(locales.en.recording.optional);
      expect(p.summary).toContain('Videoberatung');
      expect(p.summary).toContain(locales.de.recording.optional);
      expect(p.card).toMatchObject({ type: 'AdaptiveCard', lang: 'de' });
      // Consent is the basis: the card asks about recording, with nothing pre-selected.
      const question = (p.card.body as { type: string; label?: string; value?: unknown }[]).find((b) => b.type === 'Input.ChoiceSet');
      expect(question).toMatchObject({ label: locales.de.page.recordingQuestion });
      expect(question).not.toHaveProperty('value');
      expect(p.noticeVersion.changes).toBe(true);
      expect(p.accountRecordingOff).toBe(false);
      expect(p.problems).toEqual([]);

      // Nothing was saved.
      expect(await listed('support')).toMatchObject({ name: 'Support call', recordingPolicy: 'forbidden' });
      expect(await versions(types.support)).toEqual(versionsBefore);

      const unlawful = await preview(types.support, { language: 'en', draft: { recordingPolicy: 'required', legalBasis: 'consent' } });
      expect(unlawful.status).toBe(200);
      expect(unlawful.body.preview.problems.map((x: { code: string }) => x.code)).toEqual(['E2EE_REQUIRES_NO_RECORDING', 'REQUIRED_RECORDING_NEEDS_LEGAL_GROUND']);
      expect((await preview(types.support, { language: 'it' })).status).toBe(400);
    });

    it('says why a recorded type\u2019s notice reads "not recorded" while the account records nothing', async () => {
      const switchRecording = (enabled: boolean) => t.call('PUT', '/api/admin/onboarding/recording', { token: admin.token, body: { enabled } });
      expect((await switchRecording(false)).status).toBe(200);
      try {
        const { preview: p } = (await preview(types.consultation, { language: 'en' })).body;
        expect(p.accountRecordingOff).toBe(true);
        expect(p.summary).toContain(locales.en.recording.none);
        expect(p.noticeHtml).not.toContain(locales.en.recording.optional);
        // Nothing to ask: the card offers joining and declining only.
        expect((p.card.body as { type: string }[]).some((b) => b.type === 'Input.ChoiceSet')).toBe(false);
        expect(p.noticeVersion.changes).toBe(false);
      } finally {
        expect((await switchRecording(true)).status).toBe(200);
      }
      const { preview: on } = (await preview(types.consultation, { language: 'en' })).body;
      expect(on.accountRecordingOff).toBe(false);
      expect(on.summary).toContain(locales.en.recording.optional);
    });

    it('shows exactly the notice and Teams card a real offer sends', async () => {
      const seeded = await seedRecording(admin.tenantId, types.advice, { callState: 'created', stage: 'pending' });
      const offer = await planConsentOffer(database.db, {
        tenantId: admin.tenantId, callId: seeded.callId, customerId: seeded.customerId, meetingType: { id: types.advice, name: 'Advice call' },
        language: 'fr', channel: 'teams_chat', caseExternalId: seeded.ticket, conversationId: 'a:conversation', publicBaseUrl: PUBLIC_BASE_URL, ttlSeconds: 900,
      }, (await latestNotice(database.db, admin.tenantId, types.advice, 'fr'))!);
      await writeTogether(database.db, consentOfferWrites(database.db), consentOfferValues(offer));
      const token = tokenOf(offer.link);
      const [queued] = await database.db
        .select({ payload: outboxMessages.payload })
        .from(outboxMessages)
        .where(and(eq(outboxMessages.tenantId, admin.tenantId), eq(outboxMessages.idempotencyKey, `call:${seeded.callId}:invitation`)));
      const sentCard = (queued!.payload as { activity: { attachments: { content: unknown }[] } }).activity.attachments[0]!.content;
      const page = await (await t.app.request(`/c/${token}?lang=fr`)).text();

      const p = (await preview(types.advice, { language: 'fr' })).body.preview;
      const noticeCard = (html: string) => html.match(/<div class="card">[\s\S]*?<\/div>/)?.[0];
      expect(noticeCard(page)).toBeDefined();
      expect(noticeCard(p.noticeHtml)).toBe(noticeCard(page));
      // Only the secret token differs: the preview has none.
      expect(p.card).toEqual(JSON.parse(JSON.stringify(sentCard).replaceAll(token, 'preview')));

      // While that call is open, what it records cannot change under it; its name can.
      const busy = await put(types.advice, { media: 'audio' });
      expect(busy.status).toBe(409);
      expect(busy.body.error.code).toBe('MEETING_TYPE_IN_USE');
      expect((await put(types.advice, { name: 'Advice call (MiFID II)' })).status).toBe(200);
      await database.db.update(calls).set({ state: 'ended', endedAt: new Date() }).where(eq(calls.id, seeded.callId));
      expect((await put(types.advice, { media: 'audio' })).status).toBe(200);
    });
  });

  describe('recordings browser', () => {
    let admin: Awaited<ReturnType<typeof signIn>>;
    let agentA: Awaited<ReturnType<typeof signIn>>;
    let types: Types;
    const own: Awaited<ReturnType<typeof seedRecording>>[] = [];
    const other: Awaited<ReturnType<typeof seedRecording>>[] = [];
    const base = Date.now() - 10 * DAY;

    beforeAll(async () => {
      admin = await signIn('browser-co', 'admin-1', 'admin');
      agentA = await signIn('browser-co', 'agent-a', 'agent', ['org-a']);
      types = await typeIds(admin.tenantId);
      // Interleaved in time; two share one instant, so the order needs its tie-break.
      const plan: [string, number][] = [['org-a', 1], ['org-b', 2], ['org-a', 3], ['org-b', 4], ['org-a', 4], ['org-a', 6]];
      for (const [org, hour] of plan) {
        const seeded = await seedRecording(admin.tenantId, types.advice, { org, createdAt: new Date(base + hour * 3_600_000), sizeBytes: 1000 * hour });
        (org === 'org-a' ? own : other).push(seeded);
      }
    });

    async function allPages(token: string, limit: number, query = '') {
      const pages: { id: string }[][] = [];
      let cursor: string | null = null;
      do {
        const res = await t.call('GET', `/api/admin/recordings?limit=${limit}${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token });
        expect(res.status).toBe(200);
        pages.push(res.body.recordings);
        cursor = res.body.nextCursor;
      } while (cursor && pages.length < 10);
      return pages;
    }

    it('hides another client’s recordings from an agent assigned to one client, and pages through the rest', async () => {
      const pages = await allPages(agentA.token, 2);
      const ids = pages.flat().map((r) => r.id);
      expect(new Set(ids)).toEqual(new Set(own.map((r) => r.id)));
      expect(ids).toHaveLength(own.length);
      for (const hidden of other) expect(ids).not.toContain(hidden.id);
      expect(pages[0]).toHaveLength(2);

      const admins = (await allPages(admin.token, 2)).flat();
      expect(admins).toHaveLength(own.length + other.length);
      // Newest first.
      const times = admins.map((r) => Date.parse((r as unknown as { recordedAt: string }).recordedAt));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
    });

    it('describes each recording: type, customer, ticket, size, deletion date and hold', async () => {
      const newest = own.at(-1)!;
      const hold = await t.call('POST', '/api/legal-holds', { token: admin.token, body: { targetType: 'customer', targetId: newest.customerId, reference: 'Matter 7' } });
      expect(hold.status).toBe(201);
      const res = await t.call('GET', '/api/admin/recordings?limit=1', { token: admin.token });
      const [first] = res.body.recordings;
      const [row] = await database.db.select({ storedAt: recordings.storedAt }).from(recordings).where(eq(recordings.id, newest.id));
      expect(first).toMatchObject({
        id: newest.id,
        meetingType: { id: types.advice, name: 'Advice call' },
        customer: { id: newest.customerId, displayName: expect.stringMatching(/^Customer /) },
        case: { host: 'zendesk', externalId: newest.ticket },
        sizeBytes: 6000,
        durationSeconds: 42,
        legalHold: true,
        status: 'available',
      });
      // Advice recordings are kept five years from when they were stored (give or take a daylight-saving hour in the server's zone).
      expect(Math.abs(Date.parse(first.deleteAfter) - row!.storedAt!.getTime() - 5 * 365 * DAY)).toBeLessThanOrEqual(3_600_000);
      const second = await t.call('GET', `/api/admin/recordings?limit=1&cursor=${encodeURIComponent(res.body.nextCursor)}`, { token: admin.token });
      expect(second.body.recordings[0].legalHold).toBe(false);
    });

    it('filters by meeting type and refuses a cursor it did not hand out', async () => {
      const consultation = await t.call('GET', `/api/admin/recordings?meetingTypeId=${types.consultation}`, { token: admin.token });
      expect(consultation.status).toBe(200);
      expect(consultation.body).toEqual({ recordings: [], nextCursor: null });
      const bad = await t.call('GET', '/api/admin/recordings?cursor=not-a-cursor', { token: admin.token });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('INVALID_CURSOR');
      // Well formed, but year 0 exists in JavaScript and not in PostgreSQL.
      const yearZero = Buffer.from(JSON.stringify(['0000-01-01T00:00:00.000000Z', '00000000-0000-0000-0000-000000000000'])).toString('base64url');
      const crafted = await t.call('GET', `/api/admin/recordings?cursor=${yearZero}`, { token: admin.token });
      expect(crafted.status).toBe(400);
      expect(crafted.body.error.code).toBe('INVALID_CURSOR');
      expect((await t.call('GET', '/api/admin/recordings')).status).toBe(401);
    });

    it('audits the look against each customer shown, and against no one the agent could not see', async () => {
      const before = await database.db.select({ id: auditEvents.id }).from(auditEvents).where(eq(auditEvents.tenantId, admin.tenantId)).orderBy(auditEvents.id);
      const lastId = before.at(-1)?.id ?? 0;
      await allPages(agentA.token, 10);
      const events = (
        await database.db
          .select({ id: auditEvents.id, subjectType: auditEvents.subjectType, subjectId: auditEvents.subjectId, details: auditEvents.details })
          .from(auditEvents)
          .where(and(eq(auditEvents.tenantId, admin.tenantId), eq(auditEvents.action, 'recordings.listed'), eq(auditEvents.actorId, agentA.agentId)))
      ).filter((e) => e.id > lastId);
      expect(events.every((e) => e.subjectType === 'customer')).toBe(true);
      expect(new Set(events.map((e) => e.subjectId))).toEqual(new Set(own.map((r) => r.customerId)));
      expect(events.every((e) => e.details.shown === 1 && e.details.withheld === 0)).toBe(true);
      const hiddenCustomers = other.map((r) => r.customerId);
      const leaked = await database.db
        .select({ id: auditEvents.id })
        .from(auditEvents)
        .where(and(eq(auditEvents.actorId, agentA.agentId), inArray(auditEvents.subjectId, hiddenCustomers)));
      expect(leaked).toEqual([]);
    });
  });

  describe('audit log', () => {
    it('is refused to an agent (and the attempt is recorded), lists newest first for admins, and records each read', async () => {
      const admin = await signIn('audit-co', 'admin-1', 'admin');
      const agent = await signIn('audit-co', 'agent-1', 'agent');
      const refused = await t.call('GET', '/api/admin/audit', { token: agent.token });
      expect(refused.status).toBe(403);
      const denied = await database.db
        .select({ details: auditEvents.details })
        .from(auditEvents)
        .where(and(eq(auditEvents.tenantId, admin.tenantId), eq(auditEvents.action, 'access.denied'), eq(auditEvents.actorId, agent.agentId)));
      expect(denied.map((d) => d.details)).toContainEqual(expect.objectContaining({ attempted: 'read_audit', operation: 'list' }));

      await recordAuditBatch(
        database.db,
        ['first', 'second', 'third'].map((name) => ({ tenantId: admin.tenantId, actor: { kind: 'system' as const }, action: 'console.test', subjectType: 'widget', subjectId: name, details: { name } })),
      );
      const page1 = await t.call('GET', '/api/admin/audit?action=console.test&limit=2', { token: admin.token });
      expect(page1.status).toBe(200);
      expect(page1.body.events.map((e: { subjectId: string }) => e.subjectId)).toEqual(['third', 'second']);
      expect(page1.body.events[0]).toMatchObject({ action: 'console.test', subjectType: 'widget', actor: { kind: 'system', id: null, displayName: null }, details: { name: 'third' } });
      expect(page1.body.events[0].seq).toBe(page1.body.events[1].seq + 1);
      expect(page1.body.nextCursor).toEqual(expect.any(String));
      const page2 = await t.call('GET', `/api/admin/audit?action=console.test&limit=2&cursor=${page1.body.nextCursor}`, { token: admin.token });
      expect(page2.body.events.map((e: { subjectId: string }) => e.subjectId)).toEqual(['first']);
      expect(page2.body.nextCursor).toBeNull();

      // Each read above left an event naming who read and what they asked for.
      const reads = await t.call('GET', '/api/admin/audit?action=audit.listed&limit=5', { token: admin.token });
      expect(reads.body.events).toHaveLength(2);
      expect(reads.body.events[0]).toMatchObject({
        actor: { kind: 'agent', id: admin.agentId, displayName: 'Dana admin' },
        subjectType: 'audit_trail',
        details: { events: 1, filter_action: 'console.test' },
      });
      expect(reads.body.events[1].details).toEqual({ events: 2, filter_action: 'console.test' });

      const dpo = await signIn('audit-co', 'dpo-1', 'dpo');
      expect((await t.call('GET', '/api/admin/audit', { token: dpo.token })).status).toBe(200);
      expect((await t.call('GET', '/api/admin/audit?cursor=abc', { token: admin.token })).status).toBe(400);
    });
  });

  describe('retention forecast and storage use', () => {
    let admin: Awaited<ReturnType<typeof signIn>>;
    let types: Types;

    beforeAll(async () => {
      admin = await signIn('forecast-co', 'admin-1', 'admin');
      types = await typeIds(admin.tenantId);
      const now = new Date();
      // Mid-month, two months on, so no time zone or daylight-saving hour moves it to another month.
      const target = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 2, 15, 12);
      // Consultation recordings are kept 90 days, advice recordings five years.
      await seedRecording(admin.tenantId, types.consultation, { storedAt: new Date(Date.now() - 100 * DAY), sizeBytes: 1000 });
      await seedRecording(admin.tenantId, types.consultation, { storedAt: new Date(target - 90 * DAY), sizeBytes: 2500 });
      const held = await seedRecording(admin.tenantId, types.consultation, { storedAt: new Date(Date.now() - 10 * DAY), sizeBytes: 500 });
      await seedRecording(admin.tenantId, types.advice, { storedAt: new Date(Date.now() - DAY), sizeBytes: 4000 });
      // Already gone from storage, and not yet stored: neither is deleted later nor takes space.
      await seedRecording(admin.tenantId, types.consultation, { stage: 'deleted', blobDeletedAt: new Date(), sizeBytes: 9999 });
      await seedRecording(admin.tenantId, types.consultation, { stage: 'pending', sizeBytes: null });
      const hold = await t.call('POST', '/api/legal-holds', { token: admin.token, body: { targetType: 'recording', targetId: held.id, reference: 'HOLD-1' } });
      expect(hold.status).toBe(201);
    });

    it('puts each recording in the month retention deletes it, and counts held ones apart', async () => {
      const res = await t.call('GET', '/api/admin/retention/forecast', { token: admin.token });
      expect(res.status).toBe(200);
      const { months, series } = res.body.forecast;
      expect(months).toEqual([...forecastMonths(new Date()), 'later']);
      expect(months).toHaveLength(13);
      const of = (id: string) => series.find((s: { meetingType: { id: string } }) => s.meetingType.id === id);
      const expected = (at: Record<number, number>) => Array.from({ length: 13 }, (_, n) => at[n] ?? 0);
      // The overdue one goes at the next run, this month; the other in two months.
      expect(of(types.consultation)).toEqual({ meetingType: { id: types.consultation, name: 'Consultation' }, counts: expected({ 0: 1, 2: 1 }), held: 1 });
      expect(of(types.advice).counts).toEqual(expected({ 12: 1 }));
      expect(of(types.support)).toMatchObject({ counts: expected({}), held: 0 });
    });

    it('sums the bytes stored per meeting type and location', async () => {
      const res = await t.call('GET', '/api/admin/storage/usage', { token: admin.token });
      expect(res.status).toBe(200);
      expect(res.body.usage.totalBytes).toBe(1000 + 2500 + 500 + 4000);
      expect(res.body.usage.byMeetingType).toEqual(
        expect.arrayContaining([
          { meetingType: { id: types.consultation, name: 'Consultation' }, location: 'local', recordings: 3, bytes: 4000 },
          { meetingType: { id: types.advice, name: 'Advice call' }, location: 'local', recordings: 1, bytes: 4000 },
          { meetingType: { id: types.support, name: 'Support call' }, location: 'local', recordings: 0, bytes: 0 },
        ]),
      );
      expect(res.body.usage.byMeetingType).toHaveLength(3);
    });

    it('is for admins only', async () => {
      const agent = await signIn('forecast-co', 'agent-1', 'agent');
      expect((await t.call('GET', '/api/admin/retention/forecast', { token: agent.token })).status).toBe(403);
      expect((await t.call('GET', '/api/admin/storage/usage', { token: agent.token })).status).toBe(403);
    });
  });
});
