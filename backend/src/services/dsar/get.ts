import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { dsarRequests } from '../../db/schema/index.js';
import { NotFoundError } from '../../errors.js';
import { authorizeAccount } from '../access/policy.js';
import type { Principal } from '../principal.js';
import { dsarView } from './view.js';

export const dsarNotFound = () => new NotFoundError('DSAR_NOT_FOUND', 'No such data-subject request.');

/** One request of the caller's tenant; another tenant's looks missing. */
export async function getDsarRequest(deps: { db: DbOrTx; now?: () => Date }, principal: Principal, requestId: string) {
  const dpo = authorizeAccount(principal, 'handle_dsar');
  const [row] = await deps.db.select().from(dsarRequests).where(and(eq(dsarRequests.id, requestId), eq(dsarRequests.tenantId, dpo.tenantId)));
  if (!row) throw dsarNotFound();
  return dsarView(row, deps.now?.() ?? new Date());
}
