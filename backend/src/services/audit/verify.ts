import { sql } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.js';
import { eventHash, eventHashReference, GENESIS_HASH, type AuditDetails, type ChainedEvent } from './chain.js';
import { rowsOf } from './record.js';

export type BrokenLinkReason = 'hash_mismatch' | 'prev_hash_mismatch' | 'missing_event' | 'head_mismatch';

export interface BrokenLink {
  tenantId: string;
  /** The position where the chain stops holding: for a missing event, the seq that is absent. */
  seq: number;
  /** The stored event at that point (for a missing event, the one found in its place); null when there is none. */
  id: number | null;
  reason: BrokenLinkReason;
}

export interface VerifyResult {
  ok: boolean;
  tenants: number;
  /** Chained events checked (up to the first break). */
  events: number;
  /** Events written before the chain existed (no seq): counted, not a break. */
  legacyEvents: number;
  firstBroken?: BrokenLink;
}

interface EventRow {
  id: number;
  seq: number;
  at: string;
  actorType: string;
  actorId: string | null;
  action: string;
  subjectType: string;
  subjectId: string;
  details: string;
  dataSubjectId: string | null;
  sealed: string | null;
  prevHash: string | null;
  hash: string | null;
}

const DEFAULT_BATCH = 2_000;

/**
 * One batch as one text value: a line per event, fields tab-separated. Free-text fields travel as
 * JSON string literals (to_json escapes tabs and newlines and keeps NULL apart from any string);
 * ids, uuids, hashes, jsonb text and timestamps cannot hold a tab or newline unless tampered with,
 * and then the line no longer splits into its fields, which is reported as a mismatch. A driver
 * turns 10,000 rows of 13 columns into objects far slower than one string is split, and verifying
 * a million events is mostly that. `at::text` needs the session in UTC (set by the caller).
 */
const FIELDS = 13;
const BATCH_SQL = (tenantId: string, afterSeq: number, limit: number) => sql`
  SELECT string_agg(concat_ws(E'\t', id, seq, "at"::text, to_json(actor_type), coalesce(to_json(actor_id)::text, 'null'),
           to_json(action), to_json(subject_type), to_json(subject_id), details::text, coalesce(data_subject_id::text, 'null'),
           coalesce(to_json(sealed)::text, 'null'), coalesce(prev_hash, ''), coalesce(hash, '')), E'\n' ORDER BY seq) AS lines
  FROM (SELECT * FROM audit_events WHERE tenant_id = ${tenantId}::uuid AND seq > ${afterSeq} ORDER BY seq LIMIT ${limit}) batch`;

/** A JSON string literal or null; most values need no unescaping, and skip JSON.parse. */
function jsonText(field: string): string | null {
  if (field === 'null') return null;
  return field.indexOf('\\') === -1 ? field.slice(1, -1) : (JSON.parse(field) as string);
}

/** PostgreSQL's UTC text form ("2026-03-01 10:20:30.456+00") as the chain writes it ("…T10:20:30.456000Z"). */
function chainAt(text: string): string {
  const plus = text.lastIndexOf('+');
  const body = plus === -1 ? text : text.slice(0, plus);
  const dot = body.indexOf('.', 10);
  const seconds = dot === -1 ? body : body.slice(0, dot);
  const fraction = dot === -1 ? '' : body.slice(dot + 1);
  return `${seconds.replace(' ', 'T')}.${fraction.padEnd(6, '0')}Z`;
}

/** A line that does not split into its fields was altered; it gets fields that cannot hash right. */
function parseLine(line: string): EventRow {
  const f = line.split('\t');
  if (f.length !== FIELDS) return { ...unparsable, id: Number(f[0]), seq: Number(f[1]) };
  return {
    id: Number(f[0]),
    seq: Number(f[1]),
    at: chainAt(f[2]!),
    actorType: jsonText(f[3]!)!,
    actorId: jsonText(f[4]!),
    action: jsonText(f[5]!)!,
    subjectType: jsonText(f[6]!)!,
    subjectId: jsonText(f[7]!)!,
    details: f[8]!,
    dataSubjectId: f[9] === 'null' ? null : f[9]!,
    sealed: jsonText(f[10]!),
    prevHash: f[11] || null,
    hash: f[12] || null,
  };
}

const unparsable: EventRow = { id: 0, seq: 0, at: '', actorType: '', actorId: null, action: '', subjectType: '', subjectId: '', details: '{}', dataSubjectId: null, sealed: null, prevHash: null, hash: null };

function batchQuery(tx: Tx, tenantId: string, afterSeq: number, limit: number): Promise<EventRow[]> {
  const rows = tx.execute(BATCH_SQL(tenantId, afterSeq, limit)).then((result) => {
    const lines = rowsOf<{ lines: string | null }>(result)[0]?.lines;
    return lines ? lines.split('\n').map(parseLine) : [];
  });
  // A batch fetched ahead may be abandoned at a break; its failure then matters to no one.
  rows.catch(() => undefined);
  return rows;
}

async function verifyTenant(tx: Tx, tenantId: string, batchSize: number): Promise<{ events: number; legacyEvents: number; broken?: BrokenLink }> {
  const [head] = rowsOf<{ seq: string | number; hash: string }>(await tx.execute(sql`SELECT seq, hash FROM audit_chain_heads WHERE tenant_id = ${tenantId}::uuid`));
  const [legacy] = rowsOf<{ n: string | number }>(await tx.execute(sql`SELECT count(*) AS n FROM audit_events WHERE tenant_id = ${tenantId}::uuid AND seq IS NULL`));
  const legacyEvents = Number(legacy?.n ?? 0);

  let expected = 1;
  let prevHash = GENESIS_HASH;
  let lastId: number | null = null;
  let events = 0;
  const broken = (seq: number, id: number | null, reason: BrokenLinkReason) => ({ events, legacyEvents, broken: { tenantId, seq, id, reason } });

  let pending = batchQuery(tx, tenantId, 0, batchSize);
  for (;;) {
    const rows = await pending;
    // Ask for the next batch before checking this one: the database reads while we hash.
    if (rows.length === batchSize) pending = batchQuery(tx, tenantId, rows.at(-1)!.seq, batchSize);
    for (const row of rows) {
      const { seq, id } = row;
      if (seq !== expected) return broken(expected, id, 'missing_event');
      if (row.prevHash !== prevHash) return broken(seq, id, 'prev_hash_mismatch');
      const event: ChainedEvent = {
        tenantId,
        seq,
        at: row.at,
        actorType: row.actorType,
        actorId: row.actorId,
        action: row.action,
        subjectType: row.subjectType,
        subjectId: row.subjectId,
        details: JSON.parse(row.details) as AuditDetails,
        dataSubjectId: row.dataSubjectId,
        sealed: row.sealed,
        prevHash,
      };
      // A mismatch is confirmed with the reference serializer before it is reported.
      if (row.hash === null || (eventHash(event) !== row.hash && eventHashReference(event) !== row.hash)) return broken(seq, id, 'hash_mismatch');
      prevHash = row.hash;
      lastId = id;
      expected += 1;
      events += 1;
    }
    if (rows.length < batchSize) break;
  }

  const lastSeq = expected - 1;
  if (!head) return lastSeq === 0 ? { events, legacyEvents } : broken(lastSeq, lastId, 'head_mismatch');
  const headSeq = Number(head.seq);
  // The head remembers later events than the table holds: the newest ones were removed.
  if (headSeq > lastSeq) return broken(lastSeq + 1, null, 'missing_event');
  if (headSeq !== lastSeq || head.hash !== prevHash) return broken(lastSeq, lastId, 'head_mismatch');
  return { events, legacyEvents };
}

/**
 * Recomputes every link of one tenant's chain, or of all tenants', in one read-only snapshot (so
 * appends running meanwhile are not mistaken for breaks), streaming in keyset-paginated batches.
 * Stops at the first broken link and names it.
 */
export async function verifyAuditChain(db: Db, options: { tenantId?: string; batchSize?: number } = {}): Promise<VerifyResult> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  return db.transaction(
    async (tx) => {
      await tx.execute(sql`SET LOCAL TimeZone = 'UTC'`);
      const tenantIds = options.tenantId
        ? [options.tenantId]
        : rowsOf<{ id: string }>(
            await tx.execute(sql`SELECT id::text AS id FROM tenants UNION SELECT tenant_id::text FROM audit_chain_heads ORDER BY 1`),
          ).map((row) => row.id);
      const result: VerifyResult = { ok: true, tenants: tenantIds.length, events: 0, legacyEvents: 0 };
      for (const tenantId of tenantIds) {
        const tenant = await verifyTenant(tx, tenantId, batchSize);
        result.events += tenant.events;
        result.legacyEvents += tenant.legacyEvents;
        if (tenant.broken) return { ...result, ok: false, firstBroken: tenant.broken };
      }
      return result;
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}
