import { sql } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import type { DbOrTx, Tx } from '../../db/client.js';
import { rawWrite, writeTogetherPrepared, type PlaceholderValues } from '../../db/write-together.js';
import { auditChainHeads, outboxMessages } from '../../db/schema/index.js';
import type { AuditForwardPayload } from '../../ports/outbox-delivery.js';
import type { AgentPrincipal, CallParticipantPrincipal } from '../principal.js';
import { canonicalEvent, chainTimestamp, GENESIS_HASH, linkHash, type AuditDetails, type ChainedEvent } from './chain.js';
import { auditForwardingEnabled } from './forwarding.js';
import type { SealedPersonalData } from './seal.js';

/** Who did it: an agent, a call participant, or Parley itself. */
export type AuditActor =
  | Pick<AgentPrincipal, 'kind' | 'agentId'>
  | Pick<CallParticipantPrincipal, 'kind' | 'participantId' | 'role'>
  | { kind: 'system' };

export interface AuditEntry {
  tenantId: string;
  actor: AuditActor;
  action: string;
  subjectType: string;
  subjectId: string;
  /** Ids, states and flags only: personal data goes in `personal`, sealed. */
  details?: AuditDetails;
  /** Personal data about one customer, sealed under their key by `sealForSubject`. */
  personal?: SealedPersonalData;
}

function actorOf(actor: AuditEntry['actor']): { actorType: string; actorId: string | null } {
  switch (actor.kind) {
    case 'agent':
      return { actorType: 'agent', actorId: actor.agentId };
    case 'call-participant':
      return { actorType: `participant:${actor.role}`, actorId: actor.participantId };
    case 'system':
      return { actorType: 'system', actorId: null };
  }
}

/** The hashed fields of `entry` as its chain stores them. */
function chainedEvent(entry: AuditEntry, at: string, seq: number, prevHash: string): ChainedEvent {
  return {
    tenantId: entry.tenantId,
    seq,
    at,
    ...actorOf(entry.actor),
    action: entry.action,
    subjectType: entry.subjectType,
    subjectId: entry.subjectId,
    details: entry.details ?? {},
    dataSubjectId: entry.personal?.dataSubjectId ?? null,
    sealed: entry.personal?.sealed ?? null,
    prevHash,
  };
}

/** Rows per INSERT: 13 parameters each, well under PostgreSQL's 65,535. */
const CHUNK = 1_000;

/** Driver-neutral rows of `execute`: postgres.js returns an array, PGlite `{ rows }`. */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/**
 * Appends events of one tenant to its chain. The head row is created if missing and locked in one
 * statement (INSERT … ON CONFLICT DO UPDATE locks the existing row; two first events of a tenant
 * meet on its primary key, the second waits and then sees the first). The lock is held until the
 * caller's transaction ends, so appends of one tenant are serialized and the chain cannot fork.
 */
async function appendForTenant(tx: Tx, tenantId: string, entries: AuditEntry[]): Promise<void> {
  const [head] = await tx
    .insert(auditChainHeads)
    .values({ tenantId, seq: 0, hash: GENESIS_HASH })
    .onConflictDoUpdate({ target: auditChainHeads.tenantId, set: { seq: sql`${auditChainHeads.seq}` } })
    .returning({ seq: auditChainHeads.seq, hash: auditChainHeads.hash });
  let seq = Number(head!.seq);
  let prevHash = head!.hash;
  // Whole milliseconds, written as given: the hash covers exactly what the database stores.
  const at = chainTimestamp(new Date());
  const events: (ChainedEvent & { hash: string })[] = entries.map((entry) => {
    const event = chainedEvent(entry, at, ++seq, prevHash);
    prevHash = linkHash(prevHash, canonicalEvent(event));
    return { ...event, hash: prevHash };
  });

  const forward = auditForwardingEnabled();
  for (let start = 0; start < events.length; start += CHUNK) {
    const chunk = events.slice(start, start + CHUNK);
    const last = chunk.at(-1)!;
    const values = sql.join(
      chunk.map(
        (e) =>
          sql`(${e.tenantId}::uuid, ${e.seq}::bigint, ${e.actorType}, ${e.actorId}, ${e.action}, ${e.subjectType}, ${e.subjectId}, ${JSON.stringify(e.details)}::jsonb, ${e.dataSubjectId}::uuid, ${e.sealed}, ${e.at}::timestamptz, ${e.prevHash}, ${e.hash})`,
      ),
      sql`, `,
    );
    // Event rows and the new head in one statement: one round trip while the head is locked.
    const result = await tx.execute(sql`
      WITH inserted AS (
        INSERT INTO audit_events (tenant_id, seq, actor_type, actor_id, action, subject_type, subject_id, details, data_subject_id, sealed, at, prev_hash, hash)
        VALUES ${values}
        RETURNING id, seq
      )
      UPDATE audit_chain_heads SET seq = ${last.seq}, hash = ${last.hash}, prev_hash = ${last.prevHash}
      WHERE tenant_id = ${tenantId}::uuid
      RETURNING (SELECT coalesce(json_agg(json_build_array(id, seq)), '[]'::json) FROM inserted)::text AS ids`);
    if (!forward) continue;
    const ids = new Map((JSON.parse(rowsOf<{ ids: string }>(result)[0]!.ids) as [number, number][]).map(([id, s]) => [Number(s), Number(id)]));
    await tx.insert(outboxMessages).values(
      chunk.map((e) => {
        const id = ids.get(e.seq)!;
        const payload: AuditForwardPayload = { id, ...e };
        return { tenantId, kind: 'audit.event', idempotencyKey: `audit:${id}`, payload };
      }),
    );
  }
}

// Stand-ins for the link fields in a canonical form the database completes: the largest safe
// integer and 64 letters no hash has.
const SEQ_MARK = Number.MAX_SAFE_INTEGER;
const PREV_MARK = 'p'.repeat(64);

/**
 * The canonical form of an event whose `seq` and `prevHash` are not known yet, as the three texts
 * around them: canonical = before ‖ prevHash ‖ between ‖ seq ‖ after. Both are top-level keys
 * after `details` in RFC 8785 order, so the last occurrence of each is the real one.
 */
function canonicalAround(event: ChainedEvent): { before: string; between: string; after: string } | null {
  const text = canonicalEvent({ ...event, seq: SEQ_MARK, prevHash: PREV_MARK });
  const prevKey = `"prevHash":"`;
  const seqKey = `"seq":`;
  const prevAt = text.lastIndexOf(`${prevKey}${PREV_MARK}"`);
  const seqAt = text.lastIndexOf(`${seqKey}${SEQ_MARK},`);
  if (prevAt < 0 || seqAt < prevAt) return null;
  return {
    before: text.slice(0, prevAt + prevKey.length),
    between: text.slice(prevAt + prevKey.length + PREV_MARK.length, seqAt + seqKey.length),
    after: text.slice(seqAt + seqKey.length + String(SEQ_MARK).length),
  };
}

/**
 * One event as two parts of a `writeTogether` statement, so it can share the statement (and the
 * commit) of the change it records: `audit_link` moves the tenant's head on and locks it, hashing
 * in the database the same bytes `linkHash` hashes; `audit_event` inserts the event with the link
 * it returns. Every tenant has a head from its creation (a trigger makes it); one that had lost it
 * would get a new head linked to the genesis hash, whose first event then collides with the
 * tenant's existing seq 1 and fails the statement whole. The event's fields are placeholders
 * (`auditValues` fills them), so the statement's text is always the same.
 */
export const auditWrites = {
  audit_link: rawWrite(
    sql`INSERT INTO audit_chain_heads AS h (tenant_id, seq, prev_hash, hash)
      VALUES (${sql.placeholder('auditTenantId')}::uuid, 1, ${GENESIS_HASH},
        encode(sha256(convert_to(${GENESIS_HASH}::text || ${sql.placeholder('auditBefore')}::text || ${GENESIS_HASH}::text || ${sql.placeholder('auditBetween')}::text || '1' || ${sql.placeholder('auditAfter')}::text, 'UTF8')), 'hex'))
      ON CONFLICT (tenant_id) DO UPDATE
      SET seq = h.seq + 1,
          prev_hash = h.hash,
          hash = encode(sha256(convert_to(h.hash || ${sql.placeholder('auditBefore')}::text || h.hash || ${sql.placeholder('auditBetween')}::text || (h.seq + 1)::text || ${sql.placeholder('auditAfter')}::text, 'UTF8')), 'hex')
      RETURNING h.seq, h.prev_hash, h.hash`,
    { returning: true },
  ),
  audit_event: rawWrite(
    sql`INSERT INTO audit_events (tenant_id, seq, actor_type, actor_id, action, subject_type, subject_id, details, data_subject_id, sealed, at, prev_hash, hash)
      SELECT ${sql.placeholder('auditTenantId')}::uuid, link.seq, ${sql.placeholder('auditActorType')}::text, ${sql.placeholder('auditActorId')}::text,
        ${sql.placeholder('auditAction')}::text, ${sql.placeholder('auditSubjectType')}::text, ${sql.placeholder('auditSubjectId')}::text,
        ${sql.placeholder('auditDetails')}::jsonb, ${sql.placeholder('auditDataSubjectId')}::uuid, ${sql.placeholder('auditSealed')}::text,
        ${sql.placeholder('auditAt')}::timestamptz, link.prev_hash, link.hash
      FROM audit_link AS link
      RETURNING id`,
    { returning: true },
  ),
};

/** An event on its own: the two parts alone, as a prepared statement. */
const appendOne = writeTogetherPrepared('audit_append', () => auditWrites);

/**
 * The values of `auditWrites` for one event. Null when events are forwarded: a forwarded event
 * also queues an outbox row with its id, which the general path writes.
 */
export function auditValues(entry: AuditEntry): PlaceholderValues | null {
  if (auditForwardingEnabled()) return null;
  // seq and prevHash are filled in by the database.
  const e = chainedEvent(entry, chainTimestamp(new Date()), 0, '');
  const around = canonicalAround(e);
  if (!around) return null;
  return {
    auditTenantId: e.tenantId,
    auditBefore: `\n${around.before}`,
    auditBetween: around.between,
    auditAfter: around.after,
    auditActorType: e.actorType,
    auditActorId: e.actorId,
    auditAction: e.action,
    auditSubjectType: e.subjectType,
    auditSubjectId: e.subjectId,
    auditDetails: JSON.stringify(e.details),
    auditDataSubjectId: e.dataSubjectId,
    auditSealed: e.sealed,
    auditAt: e.at,
  };
}

async function appendAll(tx: Tx, entries: AuditEntry[]): Promise<void> {
  const byTenant = new Map<string, AuditEntry[]>();
  for (const entry of entries) {
    const list = byTenant.get(entry.tenantId);
    if (list) list.push(entry);
    else byTenant.set(entry.tenantId, [entry]);
  }
  // One lock order for every transaction that touches several tenants: no deadlock between them.
  for (const tenantId of [...byTenant.keys()].sort()) await appendForTenant(tx, tenantId, byTenant.get(tenantId)!);
}

/**
 * Appends events in the caller's transaction (one is opened when given the database), so the
 * trail never disagrees with the data: the events exist if and only if the change committed.
 */
export async function recordAuditBatch(tx: DbOrTx, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  // Forwarded events also queue an outbox row with their id: the general path does both.
  const one = entries.length === 1 ? auditValues(entries[0]!) : null;
  if (one) {
    // Given the database rather than a transaction, the statement commits on its own: one round trip.
    await appendOne(tx, one);
    return;
  }
  if (tx instanceof PgTransaction) return appendAll(tx as Tx, entries);
  return tx.transaction((inner) => appendAll(inner, entries));
}

/** Call inside the transaction that makes the change, so the trail never disagrees with the data. */
export async function recordAudit(tx: DbOrTx, entry: AuditEntry): Promise<void> {
  return recordAuditBatch(tx, [entry]);
}
