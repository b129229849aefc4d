import { and, desc, eq } from 'drizzle-orm';
import { calls, cases, customers, recordings } from '../../db/schema/index.js';
import { NotFoundError } from '../../errors.js';
import type { ServiceDeps } from '../deps.js';
import type { Principal } from '../principal.js';
import { listPermitted, recordingResourceColumns } from './access.js';
import { recordingView } from './view.js';

/** A customer's recordings, newest first; each passes the access policy on its own. */
export async function listCustomerRecordings(deps: Pick<ServiceDeps, 'db'>, principal: Principal, customerId: string) {
  const [customer] = await deps.db
    .select({ id: customers.id })
    .from(customers)
    .where(and(eq(customers.id, customerId), eq(customers.tenantId, principal.tenantId)));
  if (!customer) throw new NotFoundError('CUSTOMER_NOT_FOUND', 'No such customer.');
  const rows = await deps.db
    .select({ recording: recordings, resource: recordingResourceColumns })
    .from(recordings)
    .innerJoin(calls, eq(calls.id, recordings.callId))
    .innerJoin(cases, eq(cases.id, recordings.caseId))
    .where(and(eq(recordings.tenantId, principal.tenantId), eq(recordings.customerId, customerId)))
    .orderBy(desc(recordings.createdAt));
  const shown = await listPermitted(deps.db, principal, rows, { type: 'customer', id: customerId });
  return shown.map(({ recording }) => recordingView(recording));
}
