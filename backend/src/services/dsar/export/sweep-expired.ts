import { and, eq, lte } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../../db/client.js';
import { dsarExports } from '../../../db/schema/index.js';
import type { Logger } from '../../../logger.js';
import type { BlobStore } from '../../../ports/blob-store.js';
import { recordAudit } from '../../audit/record.js';
import { exportObjectKeys } from './settings.js';

/**
 * Deletes an export's bundle and wrapped passphrase from its store, and checks both are gone.
 * The row that names them goes only after this succeeded, so a failure leaves them findable.
 */
export async function deleteExportObjects(
  stores: ReadonlyMap<string, BlobStore>,
  row: { id: string; tenantId: string; storageLocation: string; objectKey: string },
): Promise<void> {
  const store = stores.get(row.storageLocation);
  if (!store) throw new Error(`storage location "${row.storageLocation}" is not configured`);
  for (const key of [row.objectKey, exportObjectKeys(row.tenantId, row.id).passphrase]) {
    await store.delete(key);
    if (await store.head(key)) throw new Error('the object is still there after deleting it');
  }
}

/** The audit event of an export's deletion, once its row is gone: why, and that its objects were checked gone. */
export async function auditExportDeleted(
  tx: DbOrTx,
  row: { id: string; tenantId: string; requestId: string; downloadedAt: Date | null },
  reason: 'expired' | 'abandoned' | 'erasure',
  more: Record<string, unknown> = {},
): Promise<void> {
  await recordAudit(tx, {
    tenantId: row.tenantId,
    actor: { kind: 'system' },
    action: 'dsar.export_deleted',
    subjectType: 'dsar_request',
    subjectId: row.requestId,
    details: { exportId: row.id, reason, ...more, downloaded: row.downloadedAt !== null, verifiedGone: true },
  });
}

/**
 * Deletes export bundles whose link has expired, and what a run that died while preparing one
 * left behind: the blob and the wrapped passphrase, checked gone, then the row, audited. A store
 * that fails leaves the row for the next sweep. The worker calls this on its schedule; several
 * instances may, each row is deleted once.
 */
export async function sweepExpiredExports(deps: { db: Db; stores: ReadonlyMap<string, BlobStore>; logger: Logger }, now: Date = new Date()): Promise<number> {
  const expired = await deps.db.select().from(dsarExports).where(lte(dsarExports.expiresAt, now));
  let deleted = 0;
  for (const row of expired) {
    try {
      await deleteExportObjects(deps.stores, row);
    } catch (error) {
      deps.logger.warn({ exportId: row.id, err: error }, 'expired export bundle not removed yet; will retry');
      continue;
    }
    const gone = await deps.db.transaction(async (tx) => {
      const [removed] = await tx
        .delete(dsarExports)
        .where(and(eq(dsarExports.id, row.id), lte(dsarExports.expiresAt, now)))
        .returning({ id: dsarExports.id });
      if (!removed) return false;
      await auditExportDeleted(tx, row, row.sizeBytes === null ? 'abandoned' : 'expired');
      return true;
    });
    if (gone) deleted += 1;
  }
  return deleted;
}
