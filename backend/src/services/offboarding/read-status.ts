import { and, count, desc, eq, isNull } from 'drizzle-orm';
import { legalHolds, tenantExports } from '../../db/schema/index.js';
import { authorizeAccount } from '../access/policy.js';
import { loadTenant } from '../onboarding/read.js';
import type { Principal } from '../principal.js';
import type { OffboardingDeps } from './deps.js';
import { tenantExportView } from './export-keys.js';
import { blockerMessage, offboardingBlockers } from './preconditions.js';
import { sweepExpiredTenantExports } from './sweep-expired.js';

/**
 * Where offboarding stands (admins): the latest export, what still blocks deleting the account
 * with it, and the text the admin must type to confirm (the account's name).
 */
export async function readOffboarding(deps: OffboardingDeps, principal: Principal) {
  const admin = authorizeAccount(principal, 'configure');
  // No scheduled sweep for account bundles: an expired one goes when the admin next looks.
  await sweepExpiredTenantExports(deps, admin.tenantId);
  const tenant = await loadTenant(deps.db, admin.tenantId);
  const [latest] = await deps.db.select().from(tenantExports).where(eq(tenantExports.tenantId, admin.tenantId)).orderBy(desc(tenantExports.createdAt)).limit(1);
  const [holds] = await deps.db.select({ n: count() }).from(legalHolds).where(and(eq(legalHolds.tenantId, admin.tenantId), isNull(legalHolds.releasedAt)));
  const blockers = await offboardingBlockers(deps.db, admin.tenantId, latest);
  return {
    account: tenant.name,
    export: latest ? tenantExportView(latest) : null,
    activeLegalHolds: Number(holds?.n ?? 0),
    canDelete: blockers.length === 0,
    blockers: blockers.map((code) => ({ code, message: blockerMessage(code) })),
  };
}
