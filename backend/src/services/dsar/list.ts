import { and, asc, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { dsarRequests } from '../../db/schema/index.js';
import { authorizeAccount } from '../access/policy.js';
import { decodeCursor, encodeCursor, UUID_PATTERN } from '../paging/cursor.js';
import type { Principal } from '../principal.js';
import { dsarView } from './view.js';

export interface DsarListQuery {
  limit: number;
  cursor?: string;
}

const open = sql`${dsarRequests.state} in ('received', 'in_progress')`;
/** Open requests (0) before answered ones (1). */
const rank = sql<string>`(case when ${open} then 0 else 1 end)`;
/**
 * Within each: open by deadline, nearest (overdue) first; answered by receipt, newest first. As
 * seconds since the epoch, negated for the answered, so one ascending key serves both, exact to
 * the microsecond (numeric), and a page can start right after any row.
 */
const at = sql<string>`(case when ${open} then extract(epoch from ${dsarRequests.dueAt}) else -extract(epoch from ${dsarRequests.receivedAt}) end)`;

/**
 * The DPO's work list, a page at a time: open requests first, the nearest deadline (overdue ones)
 * on top; then answered requests, newest first. Keyset-paged (see paging/cursor.ts), so a request
 * received while the DPO pages hides no other. One answered or extended meanwhile moves further
 * down the list and can come again on a later page; the console keeps the first of the two.
 */
export async function listDsarRequests(deps: { db: DbOrTx; now?: () => Date }, principal: Principal, query: DsarListQuery) {
  const dpo = authorizeAccount(principal, 'handle_dsar');
  const after = query.cursor ? decodeCursor(query.cursor, 3, ([r, a, id]) => /^[01]$/.test(r) && /^-?\d{1,12}(\.\d{1,6})?$/.test(a) && UUID_PATTERN.test(id)) : undefined;
  // One row more than the page: whether another page follows, without counting them all.
  const rows = await deps.db
    .select({ request: dsarRequests, rank: sql<string>`${rank}::text`, at: sql<string>`${at}::text` })
    .from(dsarRequests)
    .where(and(eq(dsarRequests.tenantId, dpo.tenantId), after ? sql`(${rank}, ${at}, ${dsarRequests.id}) > (${after[0]}::int, ${after[1]}::numeric, ${after[2]}::uuid)` : undefined))
    .orderBy(rank, at, asc(dsarRequests.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const now = deps.now?.() ?? new Date();
  return {
    requests: page.map((row) => dsarView(row.request, now)),
    nextCursor: rows.length > query.limit && last ? encodeCursor([last.rank, last.at, last.request.id]) : null,
  };
}
