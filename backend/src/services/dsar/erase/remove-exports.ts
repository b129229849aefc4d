import { and, eq } from 'drizzle-orm';
import { dsarExports, dsarRequests } from '../../../db/schema/index.js';
import { auditExportDeleted, deleteExportObjects } from '../export/sweep-expired.js';
import type { DsarJobDeps, DsarRequestRow } from '../job.js';

/**
 * The subject's access-request bundles still waiting to be downloaded: copies of their data,
 * recordings decrypted inside, made for delivery. Erasure deletes them with everything else (the
 * bundle and its wrapped passphrase, checked gone, then the row), so an earlier export link stops
 * working instead of outliving the erasure until it expires. A store that fails throws: the
 * request is worked again later, and what was deleted stays deleted.
 */
export async function removeSubjectExports(deps: DsarJobDeps, request: DsarRequestRow): Promise<number> {
  const rows = await deps.db
    .select({
      id: dsarExports.id,
      tenantId: dsarExports.tenantId,
      requestId: dsarExports.requestId,
      storageLocation: dsarExports.storageLocation,
      objectKey: dsarExports.objectKey,
      downloadedAt: dsarExports.downloadedAt,
    })
    .from(dsarExports)
    .innerJoin(dsarRequests, eq(dsarRequests.id, dsarExports.requestId))
    .where(and(eq(dsarExports.tenantId, request.tenantId), eq(dsarRequests.customerId, request.customerId!)));
  let removed = 0;
  for (const row of rows) {
    await deleteExportObjects(deps.stores, row);
    await deps.db.transaction(async (tx) => {
      const [gone] = await tx.delete(dsarExports).where(eq(dsarExports.id, row.id)).returning({ id: dsarExports.id });
      if (!gone) return;
      removed += 1;
      await auditExportDeleted(tx, row, 'erasure', { erasureRequestId: request.id });
    });
  }
  return removed;
}
