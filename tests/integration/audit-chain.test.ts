import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../backend/src/db/client.js';
import { auditChainHeads, auditEvents } from '../../backend/src/db/schema/index.js';
import { eventHash, GENESIS_HASH } from '../../backend/src/services/audit/chain.js';
import { UNIQUE_VIOLATION, pgErrorCode } from '../../backend/src/db/errors.js';
import { writeTogether } from '../../backend/src/db/write-together.js';
import { auditValues, auditWrites, recordAudit, recordAuditBatch, rowsOf, type AuditEntry } from '../../backend/src/services/audit/record.js';
import { verifyAuditChain } from '../../backend/src/services/audit/verify.js';
import { tenants } from '../../backend/src/db/schema/index.js';
import { databaseKinds, freshDatabase } from '../support/databases.js';

const entry = (tenantId: string, n: number, extra: Partial<AuditEntry> = {}): AuditEntry => ({
  tenantId,
  actor: { kind: 'system' },
  action: 'test.happened',
  subjectType: 'thing',
  subjectId: `thing-${n}`,
  details: { n, flag: n % 2 === 0, note: null },
  ...extra,
});

/** Runs SQL with the append-only triggers off, as someone with superuser rights on the database could. */
async function tamper(database: Database, ...statements: string[]): Promise<void> {
  await database.db.execute(sql.raw('ALTER TABLE audit_events DISABLE TRIGGER USER'));
  await database.db.execute(sql.raw('ALTER TABLE audit_chain_heads DISABLE TRIGGER USER'));
  try {
    for (const statement of statements) await database.db.execute(sql.raw(statement));
  } finally {
    await database.db.execute(sql.raw('ALTER TABLE audit_events ENABLE TRIGGER USER'));
    await database.db.execute(sql.raw('ALTER TABLE audit_chain_heads ENABLE TRIGGER USER'));
  }
}

describe.each(databaseKinds)('audit chain on %s', (kind) => {
  let database: Database;
  const newTenant = async () => (await database.db.insert(tenants).values({ name: `Acme ${randomUUID()}` }).returning({ id: tenants.id }))[0]!.id;
  const seqsOf = async (tenantId: string) =>
    rowsOf<{ seq: string | number }>(await database.db.execute(sql`SELECT seq FROM audit_events WHERE tenant_id = ${tenantId}::uuid AND seq IS NOT NULL ORDER BY seq`)).map((r) => Number(r.seq));
  const idAt = async (tenantId: string, seq: number) =>
    Number(rowsOf<{ id: string | number }>(await database.db.execute(sql`SELECT id FROM audit_events WHERE tenant_id = ${tenantId}::uuid AND seq = ${seq}`))[0]!.id);

  beforeAll(async () => {
    database = await freshDatabase(kind);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('links every event of a tenant to the one before, with no fork and no gap under concurrent appends', async () => {
    const tenantId = await newTenant();
    const before = (await seqsOf(tenantId)).length;
    // Forty writers at once, each its own transaction (the pool has 20 connections on PostgreSQL).
    await Promise.all(Array.from({ length: 40 }, (_, n) => recordAudit(database.db, entry(tenantId, n))));
    await recordAuditBatch(database.db, Array.from({ length: 25 }, (_, n) => entry(tenantId, 100 + n)));

    const seqs = await seqsOf(tenantId);
    expect(seqs).toEqual(Array.from({ length: before + 65 }, (_, n) => n + 1));
    const [head] = await database.db.select().from(auditChainHeads).where(sql`${auditChainHeads.tenantId} = ${tenantId}`);
    expect(Number(head!.seq)).toBe(seqs.length);
    const result = await verifyAuditChain(database.db, { tenantId });
    expect(result).toMatchObject({ ok: true, events: seqs.length, legacyEvents: 0 });
    expect(result.firstBroken).toBeUndefined();
  });

  it('starts a chain once when the first events of a new tenant race each other', async () => {
    const tenantId = await newTenant();
    // Back to a tenant that has never been audited: no events, its head at seq 0 as its creation made it.
    await tamper(database, `DELETE FROM audit_events WHERE tenant_id = '${tenantId}'`, `DELETE FROM audit_chain_heads WHERE tenant_id = '${tenantId}'`);
    await database.db.execute(sql`INSERT INTO audit_chain_heads (tenant_id, seq, hash) VALUES (${tenantId}::uuid, 0, ${GENESIS_HASH})`);
    await Promise.all(Array.from({ length: 10 }, (_, n) => recordAudit(database.db, entry(tenantId, n))));
    expect(await seqsOf(tenantId)).toEqual(Array.from({ length: 10 }, (_, n) => n + 1));
    const [first] = await database.db.select().from(auditEvents).where(sql`${auditEvents.tenantId} = ${tenantId} AND ${auditEvents.seq} = 1`);
    expect(first!.prevHash).toBe(GENESIS_HASH);
    expect((await verifyAuditChain(database.db, { tenantId })).ok).toBe(true);
  });

  it('gives every new tenant a chain head, and refuses a one-statement append that would restart a chain', async () => {
    const tenantId = await newTenant();
    const [head] = await database.db.select().from(auditChainHeads).where(eq(auditChainHeads.tenantId, tenantId));
    expect(head).toMatchObject({ seq: 0, hash: GENESIS_HASH });

    await recordAudit(database.db, entry(tenantId, 1));
    const before = await seqsOf(tenantId);
    const [kept] = await database.db.select().from(auditChainHeads).where(eq(auditChainHeads.tenantId, tenantId));
    await tamper(database, `DELETE FROM audit_chain_heads WHERE tenant_id = '${tenantId}'`);
    // The change and its event are one statement: a chain that would start again at seq 1 writes neither.
    const marker = randomUUID();
    const change = database.db.insert(auditChainHeads).values({ tenantId: marker, seq: 0, hash: GENESIS_HASH });
    const failed = await writeTogether(database.db, { change, ...auditWrites }, auditValues(entry(tenantId, 99))!).catch((error: unknown) => error);
    expect(pgErrorCode(failed)).toBe(UNIQUE_VIOLATION);
    expect(await seqsOf(tenantId)).toEqual(before);
    expect(await database.db.select().from(auditChainHeads).where(eq(auditChainHeads.tenantId, marker))).toEqual([]);
    // Put the head back, so the whole database verifies for the tests after this one.
    await database.db.insert(auditChainHeads).values(kept!);
    expect((await verifyAuditChain(database.db, { tenantId })).ok).toBe(true);
  });

  it('starts a lost head of a tenant without events at seq 1, linked to the genesis hash as the code links it', async () => {
    const tenantId = await newTenant();
    await tamper(database, `DELETE FROM audit_chain_heads WHERE tenant_id = '${tenantId}'`);
    await writeTogether(database.db, { ...auditWrites }, auditValues(entry(tenantId, 1))!);
    expect(await seqsOf(tenantId)).toEqual([1]);
    expect((await verifyAuditChain(database.db, { tenantId })).ok).toBe(true);
  });

  it('keeps the chains of two tenants apart when they append at the same time', async () => {
    const [a, b] = [await newTenant(), await newTenant()];
    const [beforeA, beforeB] = [(await seqsOf(a)).length, (await seqsOf(b)).length];
    await Promise.all(Array.from({ length: 30 }, (_, n) => recordAudit(database.db, entry(n % 2 === 0 ? a : b, n))));
    // One transaction touching both tenants locks their heads in one order, whatever the entry order.
    await Promise.all([
      recordAuditBatch(database.db, [entry(b, 1), entry(a, 2)]),
      recordAuditBatch(database.db, [entry(a, 3), entry(b, 4)]),
    ]);
    expect(await seqsOf(a)).toEqual(Array.from({ length: beforeA + 17 }, (_, n) => n + 1));
    expect(await seqsOf(b)).toEqual(Array.from({ length: beforeB + 17 }, (_, n) => n + 1));
    const all = await verifyAuditChain(database.db);
    expect(all.ok).toBe(true);
    expect(all.tenants).toBeGreaterThanOrEqual(2);
  });

  it('writes nothing when the audited change rolls back, and the chain goes on from where it was', async () => {
    const tenantId = await newTenant();
    const before = await seqsOf(tenantId);
    await expect(
      database.db.transaction(async (tx) => {
        await recordAudit(tx, entry(tenantId, 1));
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await seqsOf(tenantId)).toEqual(before);
    await recordAudit(database.db, entry(tenantId, 2));
    expect(await seqsOf(tenantId)).toEqual([...before, before.length + 1]);
    expect((await verifyAuditChain(database.db, { tenantId })).ok).toBe(true);
  });

  it('hashes exactly what is stored: the stored row recomputes to its hash', async () => {
    const tenantId = await newTenant();
    await recordAudit(database.db, entry(tenantId, 7, { details: { text: 'Grüße "quoted" \\ back\nslash', big: 12345678901, ratio: 0.1, none: null } }));
    const seq = (await seqsOf(tenantId)).at(-1)!;
    const [row] = rowsOf<Record<string, string | null>>(
      await database.db.execute(sql`SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, details::text AS details, prev_hash, hash, actor_type, actor_id, action, subject_type, subject_id FROM audit_events WHERE tenant_id = ${tenantId}::uuid AND seq = ${seq}`),
    );
    const recomputed = eventHash({
      tenantId,
      seq,
      at: row!.at!,
      actorType: row!.actor_type!,
      actorId: row!.actor_id ?? null,
      action: row!.action!,
      subjectType: row!.subject_type!,
      subjectId: row!.subject_id!,
      details: JSON.parse(row!.details!),
      dataSubjectId: null,
      sealed: null,
      prevHash: row!.prev_hash!,
    });
    expect(recomputed).toBe(row!.hash);
    expect(row!.at).toMatch(/\.\d{3}000Z$/);
  });

  it('refuses to change or remove an event, or remove a head, through ordinary SQL', async () => {
    const tenantId = await newTenant();
    await recordAudit(database.db, entry(tenantId, 1));
    await expect(database.db.execute(sql`UPDATE audit_events SET action = 'x' WHERE tenant_id = ${tenantId}::uuid`)).rejects.toThrow();
    await expect(database.db.execute(sql`DELETE FROM audit_events WHERE tenant_id = ${tenantId}::uuid`)).rejects.toThrow();
    await expect(database.db.execute(sql`DELETE FROM audit_chain_heads WHERE tenant_id = ${tenantId}::uuid`)).rejects.toThrow();
  });

  describe('pinpoints the first broken link', () => {
    async function chainOf(length: number) {
      const tenantId = await newTenant();
      await recordAuditBatch(database.db, Array.from({ length }, (_, n) => entry(tenantId, n)));
      return { tenantId, last: (await seqsOf(tenantId)).at(-1)! };
    }

    it('an edited event: hash_mismatch at its seq', async () => {
      const { tenantId } = await chainOf(20);
      const id = await idAt(tenantId, 9);
      await tamper(database, `UPDATE audit_events SET details = '{"n": 999}' WHERE id = ${id}`);
      expect(await verifyAuditChain(database.db, { tenantId })).toMatchObject({ ok: false, events: 8, firstBroken: { tenantId, seq: 9, id, reason: 'hash_mismatch' } });
    });

    it('an event moved by a microsecond: hash_mismatch', async () => {
      const { tenantId } = await chainOf(5);
      const id = await idAt(tenantId, 3);
      await tamper(database, `UPDATE audit_events SET at = at + interval '1 microsecond' WHERE id = ${id}`);
      expect((await verifyAuditChain(database.db, { tenantId })).firstBroken).toMatchObject({ seq: 3, id, reason: 'hash_mismatch' });
    });

    it('an edited event whose own hash was recomputed: the next link no longer holds', async () => {
      const { tenantId } = await chainOf(10);
      const id = await idAt(tenantId, 4);
      await tamper(database, `UPDATE audit_events SET hash = repeat('a', 64) WHERE id = ${id}`);
      const next = await idAt(tenantId, 5);
      expect((await verifyAuditChain(database.db, { tenantId })).firstBroken).toMatchObject({ seq: 4, id, reason: 'hash_mismatch' });
      // The forger rewrites the hash so the event checks out on its own: the break moves to the next link.
      const [row] = await database.db.select().from(auditEvents).where(sql`${auditEvents.id} = ${id}`);
      const forged = eventHash({ ...row!, seq: 4, at: new Date(row!.at).toISOString().replace('Z', '000Z'), prevHash: row!.prevHash!, details: { n: 4, flag: true, note: null, forged: true } });
      await tamper(database, `UPDATE audit_events SET details = '{"n": 4, "flag": true, "note": null, "forged": true}', hash = '${forged}' WHERE id = ${id}`);
      expect((await verifyAuditChain(database.db, { tenantId })).firstBroken).toMatchObject({ seq: 5, id: next, reason: 'prev_hash_mismatch' });
    });

    it('a removed event: missing_event at the seq that is gone', async () => {
      const { tenantId } = await chainOf(12);
      const gone = await idAt(tenantId, 6);
      const after = await idAt(tenantId, 7);
      await tamper(database, `DELETE FROM audit_events WHERE id = ${gone}`);
      expect(await verifyAuditChain(database.db, { tenantId })).toMatchObject({ ok: false, events: 5, firstBroken: { seq: 6, id: after, reason: 'missing_event' } });
    });

    it('two events swapped in place: prev_hash_mismatch where the order breaks', async () => {
      const { tenantId } = await chainOf(8);
      const [third, fourth] = [await idAt(tenantId, 3), await idAt(tenantId, 4)];
      await tamper(database, `UPDATE audit_events SET seq = -1 WHERE id = ${third}`, `UPDATE audit_events SET seq = 3 WHERE id = ${fourth}`, `UPDATE audit_events SET seq = 4 WHERE id = ${third}`);
      expect((await verifyAuditChain(database.db, { tenantId })).firstBroken).toMatchObject({ seq: 3, id: fourth, reason: 'prev_hash_mismatch' });
    });

    it('the newest event removed: the head still names it', async () => {
      const { tenantId, last } = await chainOf(6);
      await tamper(database, `DELETE FROM audit_events WHERE id = ${await idAt(tenantId, last)}`);
      expect((await verifyAuditChain(database.db, { tenantId })).firstBroken).toMatchObject({ seq: last, id: null, reason: 'missing_event' });
    });

    it('a head that does not match the last event: head_mismatch', async () => {
      const { tenantId, last } = await chainOf(6);
      await tamper(database, `UPDATE audit_chain_heads SET hash = repeat('b', 64) WHERE tenant_id = '${tenantId}'`);
      expect((await verifyAuditChain(database.db, { tenantId })).firstBroken).toMatchObject({ seq: last, id: await idAt(tenantId, last), reason: 'head_mismatch' });
    });

    it('a tab or newline smuggled into a stored field: the event is named, not misread', async () => {
      const { tenantId } = await chainOf(5);
      const id = await idAt(tenantId, 3);
      await tamper(database, `UPDATE audit_events SET hash = hash || E'\\t' || repeat('c', 64) || E'\\n1\\t2' WHERE id = ${id}`);
      expect(await verifyAuditChain(database.db, { tenantId })).toMatchObject({ ok: false, events: 2, firstBroken: { seq: 3, id } });
    });

    it('a change to any one stored field of an event: named at that event, and the chain holds again once it is undone', async () => {
      const { tenantId } = await chainOf(6);
      const id = await idAt(tenantId, 4);
      const other = await newTenant();
      const changes: [column: string, forged: string, reason: string][] = [
        ['actor_type', `'agent'`, 'hash_mismatch'],
        ['actor_id', `'someone'`, 'hash_mismatch'],
        ['action', `action || '.'`, 'hash_mismatch'],
        ['subject_type', `'other'`, 'hash_mismatch'],
        ['subject_id', `subject_id || ' '`, 'hash_mismatch'],
        ['details', `details || '{"extra": 1}'`, 'hash_mismatch'],
        ['data_subject_id', `'00000000-0000-4000-8000-000000000001'`, 'hash_mismatch'],
        ['sealed', `'v1.forged'`, 'hash_mismatch'],
        ['at', `at + interval '1 second'`, 'hash_mismatch'],
        ['prev_hash', `repeat('f', 64)`, 'prev_hash_mismatch'],
        ['hash', `upper(hash)`, 'hash_mismatch'],
        ['tenant_id', `'${other}'`, 'missing_event'],
      ];
      for (const [column, forged, reason] of changes) {
        const [original] = rowsOf<{ value: string | null }>(await database.db.execute(sql.raw(`SELECT ${column}::text AS value FROM audit_events WHERE id = ${id}`)));
        const type = rowsOf<{ type: string }>(await database.db.execute(sql.raw(`SELECT pg_typeof(${column})::text AS type FROM audit_events WHERE id = ${id}`)))[0]!.type;
        await tamper(database, `UPDATE audit_events SET ${column} = ${forged} WHERE id = ${id}`);
        const named = reason === 'missing_event' ? await idAt(tenantId, 5) : id;
        expect((await verifyAuditChain(database.db, { tenantId })).firstBroken, column).toEqual({ tenantId, seq: 4, id: named, reason });
        const value = original!.value === null ? 'NULL' : `'${original!.value.replace(/'/g, "''")}'::${type}`;
        await tamper(database, `UPDATE audit_events SET ${column} = ${value} WHERE id = ${id}`);
        expect(await verifyAuditChain(database.db, { tenantId }), column).toMatchObject({ ok: true, events: 6 });
      }
    });

    it('names the same break however many events each statement reads', async () => {
      const edited = await chainOf(10);
      const editedId = await idAt(edited.tenantId, 6);
      const removed = await chainOf(10);
      const afterRemoved = await idAt(removed.tenantId, 5);
      for (const batchSize of [1, 3, 5, 9, 10, 11]) {
        expect(await verifyAuditChain(database.db, { tenantId: edited.tenantId, batchSize }), `batch ${batchSize}`).toMatchObject({ ok: true, events: 10 });
      }
      await tamper(database, `UPDATE audit_events SET details = '{"n": 999}' WHERE id = ${editedId}`, `DELETE FROM audit_events WHERE id = ${await idAt(removed.tenantId, 4)}`);
      for (const batchSize of [1, 3, 5, 9, 10, 11]) {
        expect(await verifyAuditChain(database.db, { tenantId: edited.tenantId, batchSize }), `batch ${batchSize}`).toMatchObject({ ok: false, events: 5, firstBroken: { seq: 6, id: editedId, reason: 'hash_mismatch' } });
        expect(await verifyAuditChain(database.db, { tenantId: removed.tenantId, batchSize }), `batch ${batchSize}`).toMatchObject({ ok: false, events: 3, firstBroken: { seq: 4, id: afterRemoved, reason: 'missing_event' } });
      }
    });

    it('a break in one tenant is named when all tenants are verified', async () => {
      const { tenantId } = await chainOf(4);
      await tamper(database, `UPDATE audit_events SET subject_id = 'other' WHERE id = ${await idAt(tenantId, 2)}`);
      const all = await verifyAuditChain(database.db);
      expect(all.ok).toBe(false);
      expect(all.firstBroken).toBeDefined();
    });
  });

  it('counts events from before the chain, without calling them a break', async () => {
    const other = await freshDatabase(kind);
    try {
      const tenantId = (await other.db.insert(tenants).values({ name: 'Acme' }).returning({ id: tenants.id }))[0]!.id;
      // Written the way events were before the chain: no seq, no hash.
      await other.db.insert(auditEvents).values([
        { tenantId, actorType: 'system', action: 'old.one', subjectType: 'x', subjectId: '1' },
        { tenantId, actorType: 'system', action: 'old.two', subjectType: 'x', subjectId: '2' },
      ]);
      await recordAudit(other.db, entry(tenantId, 1));
      expect(await verifyAuditChain(other.db, { tenantId })).toMatchObject({ ok: true, legacyEvents: 2 });
    } finally {
      await other.close();
    }
  });
});
