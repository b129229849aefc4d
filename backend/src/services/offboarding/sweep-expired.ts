import { and, eq, isNotNull, lte } from 'drizzle-orm';
import { tenantExports } from '../../db/schema/index.js';
import { recordAudit } from '../audit/record.js';
import type { OffboardingDeps } from './deps.js';
import { tenantExportKeys } from './export-keys.js';

/**
 * Removes the account's bundles whose link has expired (blob and wrapped passphrase, checked gone)
 * and forgets where they were; the row stays, showing the export as expired. A store that fails
 * leaves the row for the next look.
 */
export async function sweepExpiredTenantExports(deps: Pick<OffboardingDeps, 'db' | 'stores' | 'logger'>, tenantId: string, now: Date = new Date()): Promise<number> {
  const expired = await deps.db
    .select()
    .from(tenantExports)
    .where(and(eq(tenantExports.tenantId, tenantId), eq(tenantExports.state, 'ready'), isNotNull(tenantExports.objectKey), lte(tenantExports.expiresAt, now)));
  let swept = 0;
  for (const row of expired) {
    try {
      const store = deps.stores.get(row.storageLocation!);
      if (!store) throw new Error(`storage location "${row.storageLocation}" is not configured`);
      for (const key of [row.objectKey!, tenantExportKeys(tenantId, row.id).passphrase]) {
        await store.delete(key);
        if (await store.head(key)) throw new Error('the object is still there after deleting it');
      }
    } catch (error) {
      deps.logger.warn({ exportId: row.id, err: error }, 'expired account export not removed yet; will retry');
      continue;
    }
    await deps.db.transaction(async (tx) => {
      await tx.update(tenantExports).set({ objectKey: null, updatedAt: now }).where(eq(tenantExports.id, row.id));
      await recordAudit(tx, { tenantId, actor: { kind: 'system' }, action: 'tenant.export_deleted', subjectType: 'tenant_export', subjectId: row.id, details: { reason: 'expired' } });
    });
    swept += 1;
  }
  return swept;
}
