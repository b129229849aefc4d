import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { tenants } from '../../db/schema/index.js';
import { NotFoundError } from '../../errors.js';
import { authorizeAccount } from '../access/policy.js';
import type { Principal } from '../principal.js';
import { onboardingView } from './steps.js';

/** Where the account's set-up stands (admins). */
export async function readOnboarding(db: DbOrTx, principal: Principal) {
  const admin = authorizeAccount(principal, 'configure');
  return onboardingView(await loadTenant(db, admin.tenantId));
}

/**
 * The tenant row, locked for the rest of the transaction when `forUpdate`: against other changes of
 * the row only (NO KEY UPDATE), so the account's other writes, which reference it, go on.
 */
export async function loadTenant(db: DbOrTx, tenantId: string, options: { forUpdate?: boolean } = {}) {
  const query = db.select().from(tenants).where(eq(tenants.id, tenantId));
  const [tenant] = options.forUpdate ? await query.for('no key update') : await query;
  if (!tenant) throw new NotFoundError('TENANT_NOT_FOUND', 'This account no longer exists.');
  return tenant;
}
