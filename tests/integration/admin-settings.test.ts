import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../backend/src/db/client.js';
import { outboxMessages } from '../../backend/src/db/schema/index.js';
import { latestNotice } from '../../backend/src/services/notices/publish.js';
import type { LocalJanus } from '../../media/janus/local-node.js';
import { freshDatabase } from '../support/databases.js';
import { buildTestApp, escalation, startTestJanus, tokenOf } from '../support/test-app.js';

describe('tenant administration', () => {
  let database: Database;
  let janus: LocalJanus;
  let baseDir: string;
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  let admin: string;
  let agent: string;

  beforeAll(async () => {
    baseDir = mkdtempSync(join(tmpdir(), 'parley-admin-'));
    [database, janus] = await Promise.all([freshDatabase('pglite'), startTestJanus(baseDir)]);
    // Two S3 locations nobody writes to here: only their names and regions matter.
    const s3 = (name: string, region: string) => ({ name, kind: 's3' as const, region, bucket: 'parley', prefix: '', endpoint: 'http://127.0.0.1:9', forcePathStyle: true });
    t = await buildTestApp(database, janus, { s3Locations: [s3('eu-s3', 'eu-central-1'), s3('uk-s3', 'eu-west-2'), s3('us-s3', 'us-east-1')] });
    admin = await t.signIn('acme', 'admin-1', 'admin');
    agent = await t.signIn('acme', 'agent-1', 'agent');
  });
  afterAll(async () => {
    await t?.close();
    await janus?.stop();
    await database?.close();
    rmSync(baseDir, { recursive: true, force: true });
  });

  it('lets only admins read or change the settings', async () => {
    expect((await t.call('GET', '/api/admin/settings', { token: agent })).status).toBe(403);
    expect((await t.call('PUT', '/api/admin/settings', { token: agent, body: { dpoContact: 'x@y.z' } })).status).toBe(403);
    const res = await t.call('GET', '/api/admin/settings', { token: admin });
    expect(res.status).toBe(200);
    expect(res.body.settings).toMatchObject({ defaultLanguage: 'en', messagingPostbacks: false });
  });

  it('publishes new notice versions when the controller details change, and the consent page shows them', async () => {
    const support = await t.meetingType(agent, 'support');
    const before = (await t.call('GET', `/api/meeting-types/${support}/notices`, { token: agent })).body.versions.length;
    const sentBefore = (await t.call('POST', '/api/calls', { token: agent, body: escalation(support, '100') })).body;

    const res = await t.call('PUT', '/api/admin/settings', {
      token: admin,
      body: { controllerName: 'Acme Bank AG', dpoContact: 'dpo@acme-bank.example', privacyPolicyUrl: 'https://acme-bank.example/privacy' },
    });
    expect(res.status).toBe(200);
    expect(res.body.noticeVersionsPublished).toBe(15);
    const after = (await t.call('GET', `/api/meeting-types/${support}/notices`, { token: agent })).body.versions;
    expect(after.length).toBe(before + 5);

    const sentAfter = (await t.call('POST', '/api/calls', { token: agent, body: escalation(support, '101') })).body;
    const page = await (await t.app.request(`/c/${tokenOf(sentAfter.links.customer)}`)).text();
    expect(page).toContain('Acme Bank AG');
    expect(page).toContain('dpo@acme-bank.example');
    expect(page).toContain('href="https://acme-bank.example/privacy"');
    // A link sent before the change shows the current words, and the decision names them.
    const old = await t.call('GET', `/api/consent/${tokenOf(sentBefore.links.customer)}?lang=en`);
    const latestEnglish = after.filter((v: { language: string }) => v.language === 'en').at(-1);
    expect(old.body.noticeVersionId).toBe(latestEnglish.id);
    const decided = await t.decide(sentBefore.links.customer, { join: true });
    expect(decided.status).toBe(200);
  });

  it('refuses invalid settings with the field named', async () => {
    const res = await t.call('PUT', '/api/admin/settings', { token: admin, body: { privacyPolicyUrl: 'javascript:alert(1)', defaultLanguage: 'xx' } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/privacyPolicyUrl/);
    expect(res.body.error.message).toMatch(/defaultLanguage/);
  });

  it('changes the controller contact but never clears it: every notice must say how to reach the controller', async () => {
    const before = await t.call('GET', '/api/admin/settings', { token: admin });
    for (const cleared of [null, '  ']) {
      const res = await t.call('PUT', '/api/admin/settings', { token: admin, body: { controllerContact: cleared } });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/controllerContact/);
    }
    expect((await t.call('GET', '/api/admin/settings', { token: admin })).body).toEqual(before.body);
  });

  it('shows admins undelivered messages and lets them queue one again', async () => {
    const settings = await t.call('GET', '/api/admin/settings', { token: admin });
    expect(settings.status).toBe(200);
    const [tenantRow] = await database.db.select({ tenantId: outboxMessages.tenantId }).from(outboxMessages).limit(1);
    const [dead] = await database.db
      .insert(outboxMessages)
      .values({ tenantId: tenantRow!.tenantId, kind: 'zendesk.ticket_comment', idempotencyKey: 'dead-1', payload: {}, state: 'dead', attempts: 8, lastError: 'HTTP 404' })
      .returning();
    const list = await t.call('GET', '/api/admin/outbox/dead', { token: admin });
    expect(list.body.messages).toEqual([expect.objectContaining({ id: dead!.id, attempts: 8, lastError: 'HTTP 404' })]);
    expect((await t.call('GET', '/api/admin/outbox/dead', { token: agent })).status).toBe(403);

    const retried = await t.call('POST', `/api/admin/outbox/${dead!.id}/retry`, { token: admin });
    expect(retried.body).toEqual({ id: dead!.id, state: 'pending' });
    expect((await t.call('GET', '/api/admin/outbox/dead', { token: admin })).body.messages).toEqual([]);
    expect((await t.call('POST', `/api/admin/outbox/${dead!.id}/retry`, { token: admin })).status).toBe(409);
  });
  it('lets admins choose where each meeting type stores recordings, only inside the allowed regions', async () => {
    const locations = await t.call('GET', '/api/admin/storage-locations', { token: admin });
    expect(locations.body.locations).toEqual([
      { name: 'local', region: 'eu', allowed: true },
      { name: 'eu-s3', region: 'eu-central-1', allowed: true },
      { name: 'uk-s3', region: 'eu-west-2', allowed: true },
      { name: 'us-s3', region: 'us-east-1', allowed: false },
    ]);
    const advice = await t.meetingType(admin, 'advice');
    const path = `/api/admin/meeting-types/${advice}/storage-location`;
    expect((await t.call('PUT', path, { token: agent, body: { storageLocation: 'eu-s3' } })).status).toBe(403);

    const outside = await t.call('PUT', path, { token: admin, body: { storageLocation: 'us-s3' } });
    expect(outside.status).toBe(422);
    expect(outside.body.error).toMatchObject({ code: 'REGION_NOT_ALLOWED', message: expect.stringContaining('us-east-1') });
    const unknown = await t.call('PUT', path, { token: admin, body: { storageLocation: 'nowhere' } });
    expect(unknown.body.error).toMatchObject({ code: 'UNKNOWN_STORAGE_LOCATION', message: expect.stringContaining('local, eu-s3, uk-s3, us-s3') });

    const moved = await t.call('PUT', path, { token: admin, body: { storageLocation: 'eu-s3' } });
    expect(moved.status).toBe(200);
    expect(moved.body.meetingType).toMatchObject({ key: 'advice', storageLocation: 'eu-s3' });
    // The notice customers read says where the recordings go from now on.
    expect(await storageSection(advice, 'en')).toEqual([expect.any(String), 'Recordings of this call are stored in the European Union (Frankfurt, Germany).']);
    // London is outside the EU: the notice names the transfer and what it rests on (Art. 13(1)(f)).
    expect((await t.call('PUT', path, { token: admin, body: { storageLocation: 'uk-s3' } })).status).toBe(200);
    expect((await storageSection(advice, 'en'))[1]).toBe(
      'Recordings of this call are stored outside the European Union, in London, United Kingdom. The European Commission has decided that data is adequately protected there (Art. 45 GDPR).',
    );
    expect((await storageSection(advice, 'de'))[1]).toContain('außerhalb der Europäischen Union');
    // A meeting type that never records says nothing about recordings' place.
    expect(await storageSection(await t.meetingType(admin, 'support'), 'en')).toHaveLength(1);
    expect((await t.call('PUT', path, { token: admin, body: { storageLocation: 'eu-s3' } })).status).toBe(200);

    // Narrowing the regions may not leave a recording meeting type outside them.
    const narrowed = await t.call('PUT', '/api/admin/settings', { token: admin, body: { allowedRegions: ['eu-west-1'] } });
    expect(narrowed.status).toBe(422);
    expect(narrowed.body.error).toMatchObject({ code: 'REGION_IN_USE', message: expect.stringContaining('Advice call (eu-s3)') });
    const bad = await t.call('PUT', '/api/admin/settings', { token: admin, body: { allowedRegions: ['Europe'] } });
    expect(bad.status).toBe(400);

    const widened = await t.call('PUT', '/api/admin/settings', { token: admin, body: { allowedRegions: ['eu', 'us'] } });
    expect(widened.body.settings.allowedRegions).toEqual(['eu', 'us']);
    expect((await t.call('PUT', path, { token: admin, body: { storageLocation: 'us-s3' } })).status).toBe(200);
    expect((await storageSection(advice, 'en'))[1]).toBe(
      'Recordings of this call are stored outside the European Union (storage region us-east-1). Ask us which safeguards protect them there (Art. 46 GDPR).',
    );
  });

  /** The storage section of the latest notice of a meeting type, as customers are shown it now. */
  const storageSection = async (meetingTypeId: string, language: 'en' | 'de') => {
    const notice = await latestNotice(database.db, (await t.tokens.verify(admin)).tenantId, meetingTypeId, language);
    return notice!.content.sections.find((section) => section.key === 'storage')!.paragraphs;
  };
});
