import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { tenantExports } from '../../db/schema/index.js';
import { GoneError, NotFoundError } from '../../errors.js';
import type { BlobStore } from '../../ports/blob-store.js';
import { recordAudit } from '../audit/record.js';
import { DOWNLOAD_TOKEN_PATTERN, hashDownloadToken } from '../dsar/export/download-token.js';
import { streamStoredBundle } from '../dsar/export/stored-bundle.js';
import { exportState } from './export-keys.js';

const unknownLink = () => new NotFoundError('EXPORT_LINK_UNKNOWN', 'This download link is not valid.');
const expiredLink = () => new GoneError('EXPORT_LINK_EXPIRED', 'This download link has expired. Issue a new one in the Parley console.');

/**
 * Opens an account bundle for whoever holds a valid link: the bytes stay age-encrypted, so the
 * link alone reveals nothing. Every download is audited; the first stamps `downloadedAt`, which
 * deleting the account asks for.
 */
export async function openTenantExportDownload(deps: { db: Db; stores: ReadonlyMap<string, BlobStore> }, token: string) {
  if (!DOWNLOAD_TOKEN_PATTERN.test(token)) throw unknownLink();
  const [row] = await deps.db.select().from(tenantExports).where(eq(tenantExports.downloadTokenHash, hashDownloadToken(token)));
  if (!row || row.state !== 'ready') throw unknownLink();
  if (exportState(row) !== 'ready') throw expiredLink();
  const bundle = { stores: deps.stores, storageLocation: row.storageLocation!, objectKey: row.objectKey!, sizeBytes: row.sizeBytes! };
  const body = await streamStoredBundle(bundle, expiredLink, () =>
    deps.db.transaction(async (tx) => {
      await tx
        .update(tenantExports)
        .set({ downloadedAt: sql`coalesce(${tenantExports.downloadedAt}, now())`, updatedAt: new Date() })
        .where(eq(tenantExports.id, row.id));
      await recordAudit(tx, {
        tenantId: row.tenantId,
        actor: { kind: 'system' },
        action: 'tenant.export_downloaded',
        subjectType: 'tenant_export',
        subjectId: row.id,
        details: { sizeBytes: row.sizeBytes, first: row.downloadedAt === null },
      });
    }),
  );
  return {
    exportId: row.id,
    sizeBytes: row.sizeBytes!,
    filename: `parley-account-export-${row.id.slice(0, 8)}.zip.age`,
    body,
  };
}
