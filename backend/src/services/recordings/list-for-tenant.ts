import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { calls, cases, customers, meetingTypes, recordings } from '../../db/schema/index.js';
import { decide } from '../access/policy.js';
import type { ServiceDeps } from '../deps.js';
import { UNLINKED_PREFIX } from '../dsar/erase/inventory.js';
import { recordingNotHeld } from '../legal-holds/active.js';
import { decodeCursor, encodeCursor, UUID_PATTERN } from '../paging/cursor.js';
import type { Principal } from '../principal.js';
import { listPermitted, recordingResourceColumns } from './access.js';
import { recordingView } from './view.js';

export interface TenantRecordingsQuery {
  limit: number;
  cursor?: string;
  meetingTypeId?: string;
}

/** Which recordings a page is of: the account's, optionally of one meeting type or one customer. */
interface RecordingsFilter {
  meetingTypeId?: string;
  customerId?: string;
}

/** Rows read per query while filling a page. */
const BATCH = 200;
/**
 * Rows looked at per request at most. A user who may see little of a large account gets a short
 * (even empty) page with a cursor rather than a request that reads the whole table.
 */
const MAX_SCANNED = 2_000;

const utcText = (value: SQL | typeof recordings.createdAt, format: string) => sql<string>`to_char((${value}) AT TIME ZONE 'UTC', ${format})`;
/** Microseconds, as stored: a cursor at millisecond precision would skip rows written in the same millisecond. */
const createdAtKey = utcText(recordings.createdAt, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
/** When retention deletes it, by the same arithmetic as the retention job (`periodEnded`). */
const deleteAfter = sql<string | null>`case when ${recordings.storedAt} is not null and ${recordings.stage} in ('stored', 'done')
  then ${utcText(sql`${recordings.storedAt} + make_interval(days => ${meetingTypes.retentionDays})`, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')} end`;

interface Cursor {
  at: string;
  id: string;
}

/** Exactly what `createdAtKey` writes, and a real instant the database takes (it would refuse 2026-02-30). */
function validInstant(at: string): boolean {
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(at)) return false;
  const parsed = new Date(`${at.slice(0, 23)}Z`);
  // JavaScript has a year 0; PostgreSQL does not.
  return !Number.isNaN(parsed.getTime()) && parsed.getUTCFullYear() >= 1 && parsed.toISOString().slice(0, 23) === at.slice(0, 23);
}

function recordingsCursor(text: string): Cursor {
  const [at, id] = decodeCursor(text, 2, ([at, id]) => validInstant(at) && UUID_PATTERN.test(id));
  return { at, id };
}

/**
 * Every recording of the account the principal may list, newest first, one page at a time: what
 * the console's recordings browser shows.
 */
export async function listTenantRecordings(deps: Pick<ServiceDeps, 'db'>, principal: Principal, query: TenantRecordingsQuery) {
  const page = await recordingPage(deps, principal, query, { meetingTypeId: query.meetingTypeId });
  return { recordings: page.rows.map(adminRecordingView), nextCursor: page.nextCursor };
}

/**
 * One page of recordings, newest first. Each row passes the access policy on its own (client
 * segregation included) and what the user may not see is left out. The read is audited through
 * `listPermitted` against each customer whose recordings the page shows, so a data subject's
 * access log names every look at their recordings.
 */
export async function recordingPage(deps: Pick<ServiceDeps, 'db'>, principal: Principal, query: { limit: number; cursor?: string }, filter: RecordingsFilter) {
  let after = query.cursor ? recordingsCursor(query.cursor) : undefined;
  return deps.db.transaction(async (tx) => {
    type Row = Awaited<ReturnType<typeof readBatch>>[number];
    const page: Row[] = [];
    let shown = 0;
    let scanned = 0;
    let exhausted = false;
    fill: while (scanned < MAX_SCANNED) {
      const rows = await readBatch(tx, principal.tenantId, filter, after);
      for (const row of rows) {
        page.push(row);
        scanned += 1;
        after = { at: row.createdAtKey, id: row.recording.id };
        if (decide(principal, 'list_recordings', row.resource).allowed) shown += 1;
        if (shown === query.limit) break fill;
      }
      if (rows.length < BATCH) {
        exhausted = true;
        break;
      }
    }

    const byCustomer = new Map<string, Row[]>();
    for (const row of page) byCustomer.set(row.customer.id, [...(byCustomer.get(row.customer.id) ?? []), row]);
    const permitted = new Set<string>();
    for (const [customerId, rows] of byCustomer) {
      // In the account's list, a customer none of whose recordings are shown was not looked at.
      // Asking for one customer's recordings is a look at them, even when all are withheld.
      const lookedAt = filter.customerId === customerId || rows.some((row) => decide(principal, 'list_recordings', row.resource).allowed);
      if (!lookedAt) continue;
      for (const row of await listPermitted(tx, principal, rows, { type: 'customer', id: customerId })) permitted.add(row.recording.id);
    }

    return {
      rows: page.filter((row) => permitted.has(row.recording.id)),
      nextCursor: exhausted || !after ? null : encodeCursor([after.at, after.id]),
    };
  });
}

async function readBatch(tx: Tx, tenantId: string, filter: RecordingsFilter, after: Cursor | undefined) {
  return tx
    .select({
      recording: recordings,
      createdAtKey,
      meetingType: { id: meetingTypes.id, name: meetingTypes.name },
      customer: { id: customers.id, displayName: customers.displayName },
      kase: { host: cases.host, externalId: cases.externalId },
      deleteAfter,
      legalHold: sql<boolean>`not ${recordingNotHeld()}`,
      resource: recordingResourceColumns,
    })
    .from(recordings)
    .innerJoin(calls, eq(calls.id, recordings.callId))
    .innerJoin(meetingTypes, eq(meetingTypes.id, calls.meetingTypeId))
    .innerJoin(cases, eq(cases.id, recordings.caseId))
    .innerJoin(customers, eq(customers.id, recordings.customerId))
    .where(
      and(
        eq(recordings.tenantId, tenantId),
        filter.meetingTypeId ? eq(calls.meetingTypeId, filter.meetingTypeId) : undefined,
        filter.customerId ? eq(recordings.customerId, filter.customerId) : undefined,
        after ? sql`(${recordings.createdAt}, ${recordings.id}) < (${after.at}::timestamptz, ${after.id}::uuid)` : undefined,
      ),
    )
    .orderBy(desc(recordings.createdAt), desc(recordings.id))
    .limit(BATCH);
}

function adminRecordingView(row: Awaited<ReturnType<typeof readBatch>>[number]) {
  const view = recordingView(row.recording);
  return {
    id: view.id,
    meetingType: { id: row.meetingType.id, name: row.meetingType.name },
    customer: { id: row.customer.id, displayName: row.customer.displayName },
    // An erased subject's case no longer names its ticket or chat.
    case: row.kase.externalId.startsWith(UNLINKED_PREFIX) ? null : { host: row.kase.host, externalId: row.kase.externalId },
    recordedAt: view.createdAt,
    durationSeconds: view.durationSeconds,
    sizeBytes: view.sizeBytes,
    deleteAfter: row.deleteAfter,
    legalHold: Boolean(row.legalHold),
    status: view.status,
    media: view.media,
    storageLocation: view.storageLocation,
  };
}
