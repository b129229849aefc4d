import { and, eq } from 'drizzle-orm';
import { customers } from '../../db/schema/index.js';
import { NotFoundError } from '../../errors.js';
import type { ServiceDeps } from '../deps.js';
import type { Principal } from '../principal.js';
import { recordingPage } from './list-for-tenant.js';
import { recordingView } from './view.js';

/** A customer's recordings, newest first, a page at a time; each passes the access policy on its own. */
export async function listCustomerRecordings(deps: Pick<ServiceDeps, 'db'>, principal: Principal, customerId: string, query: { limit: number; cursor?: string }) {
  const [customer] = await deps.db
    .select({ id: customers.id })
    .from(customers)
    .where(and(eq(customers.id, customerId), eq(customers.tenantId, principal.tenantId)));
  if (!customer) throw new NotFoundError('CUSTOMER_NOT_FOUND', 'No such customer.');
  const page = await recordingPage(deps, principal, query, { customerId });
  return { recordings: page.rows.map((row) => recordingView(row.recording)), nextCursor: page.nextCursor };
}
