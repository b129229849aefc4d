import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../backend/src/db/client.js';
import { customers, subjectKeys } from '../../backend/src/db/schema/index.js';
import { recordAudit, recordAuditBatch, rowsOf } from '../../backend/src/services/audit/record.js';
import { openSealed, sealForSubject } from '../../backend/src/services/audit/seal.js';
import { verifyAuditChain } from '../../backend/src/services/audit/verify.js';
import type { LocalJanus } from '../../media/janus/local-node.js';
import { databaseKinds, freshDatabase } from '../support/databases.js';
import { seedAgent } from '../support/principals.js';
import { buildTestApp, type TestApp } from '../support/test-app.js';
import { openAgentSession } from '../../backend/src/services/sessions/open-agent-session.js';

/** The audit routes never reach a media server: a node nobody calls stands in for one. */
const noMedia = [
  {
    node: {
      id: 'unused',
      wsUrl: 'ws://127.0.0.1:9',
      adminUrl: 'http://127.0.0.1:9',
      browserUrl: 'http://127.0.0.1:9',
      apiSecret: 'x'.repeat(16),
      adminSecret: 'x'.repeat(16),
      adminKey: 'x'.repeat(16),
    },
  } as LocalJanus,
];

async function text(t: TestApp, path: string, token: string) {
  const response = await t.app.request(path, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

const lines = (body: string) =>
  body
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe.each(databaseKinds)('audit trail over HTTP on %s', (kind) => {
  let database: Database;
  let t: TestApp;
  let admin: string;
  let agent: string;
  let dpo: string;
  let tenantId: string;

  beforeAll(async () => {
    database = await freshDatabase(kind);
    t = await buildTestApp(database, noMedia);
    admin = await t.signIn('acme', 'admin-1', 'admin');
    agent = await t.signIn('acme', 'agent-1', 'agent');
    tenantId = (await t.tokens.verify(admin)).tenantId;
    // A DPO set up the way SCIM or an admin would: a user of the tenant holding the built-in dpo role.
    const dpoUser = await seedAgent(database.db, tenantId, { roles: ['dpo'] });
    dpo = (await openAgentSession(database.db, t.tokens, { tenantId, agentId: dpoUser.agentId })).token;
  });
  afterAll(async () => {
    await t?.close();
    await database?.close();
  });

  it('refuses an agent (403), records the attempt, and lets admins and DPOs verify and export', async () => {
    for (const path of ['/api/admin/audit/verify', '/api/admin/audit/export']) {
      const refused = await t.call('GET', path, { token: agent });
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('FORBIDDEN');
    }
    const denied = rowsOf<{ n: string | number }>(
      await database.db.execute(sql`SELECT count(*) AS n FROM audit_events WHERE tenant_id = ${tenantId}::uuid AND action = 'access.denied' AND details->>'attempted' = 'read_audit'`),
    );
    expect(Number(denied[0]!.n)).toBe(2);
    expect((await t.call('GET', '/api/admin/audit/verify')).status).toBe(401);
    for (const token of [admin, dpo]) {
      expect((await t.call('GET', '/api/admin/audit/verify', { token })).status).toBe(200);
      expect((await text(t, '/api/admin/audit/export', token)).status).toBe(200);
    }
  });

  it('verifies only the caller’s own account and refuses anything else it is asked', async () => {
    const res = await t.call('GET', '/api/admin/audit/verify?tenant=all', { token: admin });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/tenant/);
    const bad = await t.call('GET', '/api/admin/audit/export?format=xml', { token: admin });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/format/);
    expect((await t.call('GET', '/api/admin/audit/export?from=yesterday', { token: admin })).status).toBe(400);
    // Valid ISO 8601 that PostgreSQL cannot store: refused before the answer starts, not half-way through it.
    for (const from of ['2026-01-01T00:00:00%2B20:00', '0000-01-01T00:00:00Z']) {
      const unstorable = await t.call('GET', `/api/admin/audit/export?from=${from}`, { token: admin });
      expect(unstorable.status).toBe(400);
      expect(unstorable.body.error.code).toBe('VALIDATION_FAILED');
    }
  });

  it('exports JSON Lines in the order written, filtered, and records the export itself', async () => {
    await recordAuditBatch(
      database.db,
      ['a', 'b', 'c'].map((s, n) => ({ tenantId, actor: { kind: 'system' }, action: n === 1 ? 'export.test.other' : 'export.test', subjectType: 'widget', subjectId: `w-${s}`, details: { n } })),
    );
    const all = await text(t, '/api/admin/audit/export?format=jsonl&subjectType=widget', admin);
    expect(all.type).toMatch(/application\/x-ndjson/);
    const events = lines(all.body);
    expect(events.map((e) => e.subjectId)).toEqual(['w-a', 'w-b', 'w-c']);
    expect(events[0]).toMatchObject({ action: 'export.test', subjectType: 'widget', details: { n: 0 }, actorType: 'system' });
    expect(events[1]!.seq).toBe((events[0]!.seq as number) + 1);
    expect(events[1]!.prevHash).toBe(events[0]!.hash);

    expect(lines((await text(t, '/api/admin/audit/export?action=export.test', admin)).body).map((e) => e.subjectId)).toEqual(['w-a', 'w-c']);
    expect(lines((await text(t, '/api/admin/audit/export?subjectId=w-b', admin)).body)).toHaveLength(1);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await text(t, `/api/admin/audit/export?from=${future}`, admin)).body).toBe('');
    const since = encodeURIComponent(events[0]!.at as string);
    expect(lines((await text(t, `/api/admin/audit/export?subjectType=widget&to=${since}`, admin)).body)).toHaveLength(0);
    expect(lines((await text(t, `/api/admin/audit/export?subjectType=widget&from=${since}`, admin)).body)).toHaveLength(3);

    const { agentId } = await t.tokens.verify(admin).then((p) => p as { agentId: string });
    const exports = lines((await text(t, `/api/admin/audit/export?action=audit.exported&actorId=${agentId}`, admin)).body);
    expect(exports.length).toBeGreaterThanOrEqual(6);
    expect(exports.at(-1)).toMatchObject({ actorType: 'agent', actorId: agentId, details: { format: 'jsonl', filter_action: 'audit.exported', filter_actorId: agentId } });
  });

  it('exports CSV with a header and one row per event, quoting what needs it', async () => {
    await recordAudit(database.db, { tenantId, actor: { kind: 'system' }, action: 'csv.test', subjectType: 'widget', subjectId: 'with,comma "and quote"', details: { note: 'line' } });
    const res = await text(t, '/api/admin/audit/export?format=csv&action=csv.test', admin);
    expect(res.type).toMatch(/text\/csv/);
    const [header, row, ...rest] = res.body.trimEnd().split('\n');
    expect(header).toBe('id,seq,at,actor_type,actor_id,action,subject_type,subject_id,details,data_subject_id,personal,sealed,prev_hash,hash');
    expect(rest).toEqual([]);
    expect(row).toContain(',csv.test,widget,"with,comma ""and quote""","{""note"":""line""}",');
    expect(row).toMatch(/,[0-9a-f]{64},[0-9a-f]{64}$/);
  });

  it('names a tampered event through the API', async () => {
    expect((await t.call('GET', '/api/admin/audit/verify', { token: admin })).body).toMatchObject({ ok: true, tenants: 1 });
    const [row] = rowsOf<{ id: string | number; seq: string | number }>(
      await database.db.execute(sql`SELECT id, seq FROM audit_events WHERE tenant_id = ${tenantId}::uuid AND action = 'csv.test'`),
    );
    await database.db.execute(sql.raw('ALTER TABLE audit_events DISABLE TRIGGER USER'));
    await database.db.execute(sql`UPDATE audit_events SET subject_id = 'something else' WHERE id = ${Number(row!.id)}`);
    await database.db.execute(sql.raw('ALTER TABLE audit_events ENABLE TRIGGER USER'));
    const res = await t.call('GET', '/api/admin/audit/verify', { token: dpo });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: false, firstBroken: { tenantId, seq: Number(row!.seq), id: Number(row!.id), reason: 'hash_mismatch' } });
  });
});

describe.each(databaseKinds)('sealed personal data in the audit trail on %s', (kind) => {
  let database: Database;
  let t: TestApp;
  let admin: string;
  let tenantId: string;

  beforeAll(async () => {
    database = await freshDatabase(kind);
    t = await buildTestApp(database, noMedia);
    admin = await t.signIn('acme', 'admin-1', 'admin');
    tenantId = (await t.tokens.verify(admin)).tenantId;
  });
  afterAll(async () => {
    await t?.close();
    await database?.close();
  });

  it('keeps the data unreadable in the table, opens it for an export, and loses it with the subject key while the chain holds', async () => {
    const [customer] = await database.db.insert(customers).values({ tenantId, displayName: 'Alex Customer', email: 'alex@example.com' }).returning();
    const personal = { email: 'alex@example.com', name: 'Alex Customer' };
    await database.db.transaction(async (tx) => {
      const sealed = await sealForSubject(tx, t.recordings.masterKeys, tenantId, customer!.id, personal);
      await recordAudit(tx, { tenantId, actor: { kind: 'system' }, action: 'dsar.received', subjectType: 'customer', subjectId: customer!.id, personal: sealed });
    });
    const stored = rowsOf<{ sealed: string; data_subject_id: string; details: string }>(
      await database.db.execute(sql`SELECT sealed, data_subject_id, details::text AS details FROM audit_events WHERE action = 'dsar.received'`),
    )[0]!;
    expect(stored.data_subject_id).toBe(customer!.id);
    expect(stored.sealed).toMatch(/^v1\./);
    expect(`${stored.sealed}${stored.details}`).not.toContain('alex');

    const sealedOnly = lines((await text(t, '/api/admin/audit/export?action=dsar.received', admin)).body);
    expect(sealedOnly[0]).toMatchObject({ sealed: stored.sealed, dataSubjectId: customer!.id });
    expect(sealedOnly[0]!.personal).toBeUndefined();
    const opened = lines((await text(t, '/api/admin/audit/export?action=dsar.received&personal=open', admin)).body);
    expect(opened[0]!.personal).toEqual(personal);
    expect(await openSealed(database.db, t.recordings.masterKeys, tenantId, { dataSubjectId: customer!.id, sealed: stored.sealed })).toEqual({ state: 'open', data: personal });

    // Erasure: the subject key goes (crypto-shredding); the event stays, sealed, and still in the chain.
    await database.db.delete(subjectKeys).where(sql`${subjectKeys.customerId} = ${customer!.id}`);
    expect(await verifyAuditChain(database.db, { tenantId })).toMatchObject({ ok: true });
    expect((await t.call('GET', '/api/admin/audit/verify', { token: admin })).body).toMatchObject({ ok: true });
    const erased = lines((await text(t, '/api/admin/audit/export?action=dsar.received&personal=open', admin)).body);
    expect(erased[0]).toMatchObject({ sealed: stored.sealed, personal: 'erased' });
    expect(await openSealed(database.db, t.recordings.masterKeys, tenantId, { dataSubjectId: customer!.id, sealed: stored.sealed })).toEqual({ state: 'erased' });
    // A new key for the same subject does not open what the old one sealed.
    await database.db.transaction((tx) => sealForSubject(tx, t.recordings.masterKeys, tenantId, customer!.id, { x: 'y' }));
    expect((await openSealed(database.db, t.recordings.masterKeys, tenantId, { dataSubjectId: customer!.id, sealed: stored.sealed })).state).toBe('unreadable');
  });
});
