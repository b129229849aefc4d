import { and, desc, eq } from 'drizzle-orm';
import { tenantExports } from '../../db/schema/index.js';
import { ConflictError } from '../../errors.js';
import { authorizeAccount } from '../access/policy.js';
import { recordAudit } from '../audit/record.js';
import { loadTenant } from '../onboarding/read.js';
import type { Principal } from '../principal.js';
import type { OffboardingDeps } from './deps.js';
import { exportState, tenantExportView } from './export-keys.js';
import { runTenantExport } from './run-export.js';

/**
 * Starts an export of everything the account holds (admins), the first half of offboarding. It runs
 * in the background on this instance; GET /api/admin/offboarding shows its progress. One export runs
 * at a time; an interrupted one can simply be started again.
 */
export async function startTenantExport(deps: OffboardingDeps, principal: Principal) {
  const admin = authorizeAccount(principal, 'configure');
  const row = await deps.db.transaction(async (tx) => {
    // Serializes two clicks on "Export": the second sees the first one's row.
    await loadTenant(tx, admin.tenantId, { forUpdate: true });
    const [latest] = await tx.select().from(tenantExports).where(eq(tenantExports.tenantId, admin.tenantId)).orderBy(desc(tenantExports.createdAt)).limit(1);
    if (latest && exportState(latest) === 'running') throw new ConflictError('EXPORT_RUNNING', 'An export of this account is already running.');
    const [created] = await tx.insert(tenantExports).values({ tenantId: admin.tenantId, requestedBy: admin.agentId }).returning();
    await recordAudit(tx, { tenantId: admin.tenantId, actor: admin, action: 'tenant.export_started', subjectType: 'tenant_export', subjectId: created!.id });
    return created!;
  });
  const done = runTenantExport(deps, row.id).catch((error: unknown) => {
    deps.logger.error({ exportId: row.id, error: error instanceof Error ? error.name : 'unknown' }, 'account export failed');
  });
  return { export: tenantExportView(row), done };
}

/** The export an admin names, if it belongs to their account. */
export async function findTenantExport(deps: Pick<OffboardingDeps, 'db'>, tenantId: string, exportId: string) {
  const [row] = await deps.db.select().from(tenantExports).where(and(eq(tenantExports.tenantId, tenantId), eq(tenantExports.id, exportId)));
  return row;
}
