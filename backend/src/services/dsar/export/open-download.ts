import type { Readable } from 'node:stream';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client.js';
import { dsarExports } from '../../../db/schema/index.js';
import { GoneError, NotFoundError } from '../../../errors.js';
import type { BlobStore } from '../../../ports/blob-store.js';
import { recordAudit } from '../../audit/record.js';
import { DOWNLOAD_TOKEN_PATTERN, hashDownloadToken } from './download-token.js';
import { streamStoredBundle } from './stored-bundle.js';

export interface ExportDownload {
  exportId: string;
  sizeBytes: number;
  filename: string;
  body: Readable;
}

const unknownLink = () => new NotFoundError('EXPORT_LINK_UNKNOWN', 'This download link is not valid.');
const expiredLink = () => new GoneError('EXPORT_LINK_EXPIRED', 'This download link has expired. Ask the data protection officer for a new export.');

/**
 * Opens an export bundle for whoever holds a valid link: the bytes stay age-encrypted, so the
 * link alone reveals nothing. Every download is audited (the first one also stamps `downloadedAt`).
 */
export async function openExportDownload(deps: { db: Db; stores: ReadonlyMap<string, BlobStore> }, token: string): Promise<ExportDownload> {
  if (!DOWNLOAD_TOKEN_PATTERN.test(token)) throw unknownLink();
  const [row] = await deps.db.select().from(dsarExports).where(eq(dsarExports.downloadTokenHash, hashDownloadToken(token)));
  if (!row) throw unknownLink();
  return openStored(deps, row, 'download_link');
}

/** The operator's copy (`parley dsar export --out`), audited like a download. */
export async function openExportForOperator(deps: { db: Db; stores: ReadonlyMap<string, BlobStore> }, tenantId: string, exportId: string): Promise<ExportDownload> {
  const [row] = await deps.db.select().from(dsarExports).where(and(eq(dsarExports.tenantId, tenantId), eq(dsarExports.id, exportId)));
  if (!row || row.sizeBytes === null) throw new NotFoundError('EXPORT_NOT_FOUND', 'No such export.');
  return openStored(deps, row, 'cli');
}

async function openStored(deps: { db: Db; stores: ReadonlyMap<string, BlobStore> }, row: typeof dsarExports.$inferSelect, via: 'download_link' | 'cli'): Promise<ExportDownload> {
  // A bundle still being prepared has no link and no size: nobody can be sent to it.
  const { sizeBytes } = row;
  if (sizeBytes === null) throw unknownLink();
  if (row.expiresAt <= new Date()) throw expiredLink();
  const body = await streamStoredBundle({ stores: deps.stores, ...row, sizeBytes }, expiredLink, () =>
    deps.db.transaction(async (tx) => {
      await tx
        .update(dsarExports)
        .set({ downloadedAt: sql`coalesce(${dsarExports.downloadedAt}, now())`, updatedAt: new Date() })
        .where(eq(dsarExports.id, row.id));
      await recordAudit(tx, {
        tenantId: row.tenantId,
        actor: { kind: 'system' },
        action: 'dsar.export_downloaded',
        subjectType: 'dsar_request',
        subjectId: row.requestId,
        details: { exportId: row.id, sizeBytes: row.sizeBytes, first: row.downloadedAt === null, via },
      });
    }),
  );
  return {
    exportId: row.id,
    sizeBytes,
    filename: `parley-data-export-${row.requestId.slice(0, 8)}.zip.age`,
    body,
  };
}
