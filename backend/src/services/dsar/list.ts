import { asc, desc, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { dsarRequests } from '../../db/schema/index.js';
import { authorizeAccount } from '../access/policy.js';
import type { Principal } from '../principal.js';
import { dsarView } from './view.js';

const LIMIT = 500;

/**
 * The DPO's work list: open requests first, the nearest deadline (overdue ones) on top; then
 * answered requests, newest first.
 */
export async function listDsarRequests(deps: { db: DbOrTx; now?: () => Date }, principal: Principal) {
  const dpo = authorizeAccount(principal, 'handle_dsar');
  const open = sql`${dsarRequests.state} in ('received', 'in_progress')`;
  const rows = await deps.db
    .select()
    .from(dsarRequests)
    .where(eq(dsarRequests.tenantId, dpo.tenantId))
    .orderBy(desc(open), sql`case when ${open} then ${dsarRequests.dueAt} end asc`, desc(dsarRequests.receivedAt), asc(dsarRequests.id))
    .limit(LIMIT);
  const now = deps.now?.() ?? new Date();
  return rows.map((row) => dsarView(row, now));
}
