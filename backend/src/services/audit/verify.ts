import { hash } from 'node:crypto';
import type { Db } from '../../db/client.js';
import { CanonicalEventBytes } from './canonical-bytes.js';
import { eventHash, eventHashReference, GENESIS_HASH } from './chain.js';
import { EVENTS_AFTER_SQL, eventOfRow, F, int8Text, type EventRow } from './event-row.js';
import { withReadSnapshot, type ReadSnapshot } from './read-snapshot.js';

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

export interface VerifyOptions {
  /** Only this tenant's chain. */
  tenantId?: string;
  /** Events per statement (keyset by seq): a break is reported once its statement has been read. */
  batchSize?: number;
}

function sameBytes(a: Buffer | null | undefined, b: Buffer): boolean {
  return !!a && a.equals(b);
}

/**
 * Checks one tenant's events in seq order as they arrive. An event's hash depends only on its own
 * stored fields (its prev_hash among them), so each row is checked as it comes against the stored
 * hash of the row before it and against its own stored hash.
 */
class ChainWalk {
  expected = 1;
  broken?: { seq: number; reason: BrokenLinkReason };
  /** Seq of the last row read: the next statement starts after it. */
  lastSeq = 0;
  /** The stored hash of the last event whose links hold (GENESIS_HASH before the first); 64 characters. */
  private readonly prev = Buffer.from(GENESIS_HASH, 'latin1');
  private readonly bytes: CanonicalEventBytes;
  private input = Buffer.allocUnsafe(16_384);

  constructor(private readonly tenantId: string) {
    this.bytes = new CanonicalEventBytes(tenantId);
  }

  get lastHash(): string {
    return this.prev.toString('utf8');
  }

  readonly row = (row: EventRow): void => {
    if (this.broken) return;
    const seq = int8Text(row[F.seq]!);
    this.lastSeq = seq;
    const stored = row[F.hash];
    if (seq !== this.expected) this.broken = { seq: this.expected, reason: 'missing_event' };
    else if (!sameBytes(row[F.prevHash], this.prev)) this.broken = { seq, reason: 'prev_hash_mismatch' };
    // A digest has 64 hex digits: a stored hash of another length cannot be one.
    else if (stored?.length !== 64 || !this.hashes(row, seq, stored)) this.broken = { seq, reason: 'hash_mismatch' };
    else {
      // Copied: the row's memory belongs to the driver.
      for (let i = 0; i < 64; i++) this.prev[i] = stored[i]!;
      this.expected++;
    }
  };

  /** The row hashes to `stored`; a mismatch of the byte path is confirmed by the string serializers before it counts. */
  private hashes(row: EventRow, seq: number, stored: Buffer): boolean {
    const size = this.bytes.maxSize(row);
    if (this.input.length < size) this.input = Buffer.allocUnsafe(size * 2);
    const end = this.bytes.write(row, seq, this.input, 0);
    if (end >= 0) {
      // The stored hash is 64 bytes: read as latin1, it equals the hex digest exactly when each byte does.
      if (hash('sha256', this.input.subarray(0, end), 'hex') === stored.toString('latin1')) return true;
    }
    const storedText = stored.toString('utf8');
    const event = eventOfRow(row, this.tenantId, seq);
    return eventHash(event) === storedText || eventHashReference(event) === storedText;
  }
}

async function verifyTenant(snapshot: ReadSnapshot, tenantId: string, batchSize: number): Promise<{ events: number; legacyEvents: number; broken?: BrokenLink }> {
  const [tenant] = await snapshot.query<{ head_seq: string | null; head_hash: string | null; legacy: string }>(
    `SELECT h.seq::text AS head_seq, h.hash AS head_hash,
            (SELECT count(*) FROM audit_events e WHERE e.tenant_id = t.id AND e.seq IS NULL)::text AS legacy
     FROM (SELECT $1::uuid AS id) t LEFT JOIN audit_chain_heads h ON h.tenant_id = t.id`,
    [tenantId],
  );
  const legacyEvents = Number(tenant!.legacy);
  const headSeq = tenant!.head_seq === null ? null : Number(tenant!.head_seq);
  // The id is read only for the event a report names: one column less on every row.
  const idAt = async (seq: number) => Number((await snapshot.query<{ id: string }>('SELECT id::text AS id FROM audit_events WHERE tenant_id = $1 AND seq = $2', [tenantId, seq]))[0]!.id);
  /** The link at `seq` does not hold; `eventSeq` is the seq of the stored event the report names. */
  const broken = async (seq: number, eventSeq: number | null, reason: BrokenLinkReason) => ({
    events: reason === 'head_mismatch' ? seq : seq - 1,
    legacyEvents,
    broken: { tenantId, seq, id: eventSeq === null ? null : await idAt(eventSeq), reason },
  });

  const walk = new ChainWalk(tenantId);
  for (let after = 0; ; after = walk.lastSeq) {
    const rows = await snapshot.eachRow(EVENTS_AFTER_SQL, [tenantId, after, batchSize], walk.row);
    // A missing event is named by the one found in its place, any other break by its own.
    if (walk.broken) return broken(walk.broken.seq, walk.lastSeq, walk.broken.reason);
    if (rows < batchSize) break;
  }

  const lastSeq = walk.expected - 1;
  const last = lastSeq === 0 ? null : lastSeq;
  if (headSeq === null) return lastSeq === 0 ? { events: 0, legacyEvents } : broken(lastSeq, last, 'head_mismatch');
  // The head remembers later events than the table holds: the newest ones were removed.
  if (headSeq > lastSeq) return broken(lastSeq + 1, null, 'missing_event');
  if (headSeq !== lastSeq || tenant!.head_hash !== walk.lastHash) return broken(lastSeq, last, 'head_mismatch');
  return { events: lastSeq, legacyEvents };
}

/**
 * Recomputes every link of one tenant's chain, or of all tenants', in one read-only snapshot (so
 * appends running meanwhile are not mistaken for breaks). Events are read in keyset batches,
 * streamed and checked row by row while the database sends the rest. Stops at the first broken
 * link and names it.
 */
export async function verifyAuditChain(db: Db, options: VerifyOptions = {}): Promise<VerifyResult> {
  return withReadSnapshot(db, async (snapshot) => {
    const batchSize = options.batchSize ?? snapshot.rowsPerStatement;
    const tenantIds = options.tenantId
      ? [options.tenantId]
      : (await snapshot.query<{ id: string }>('SELECT id::text AS id FROM tenants UNION SELECT tenant_id::text FROM audit_chain_heads ORDER BY 1')).map((row) => row.id);
    const result: VerifyResult = { ok: true, tenants: tenantIds.length, events: 0, legacyEvents: 0 };
    for (const tenantId of tenantIds) {
      const tenant = await verifyTenant(snapshot, tenantId, batchSize);
      result.events += tenant.events;
      result.legacyEvents += tenant.legacyEvents;
      if (tenant.broken) return { ...result, ok: false, firstBroken: tenant.broken };
    }
    return result;
  });
}
