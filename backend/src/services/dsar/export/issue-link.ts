import { and, desc, eq, isNotNull } from 'drizzle-orm';
import type { Db } from '../../../db/client.js';
import { dsarExports, dsarRequests } from '../../../db/schema/index.js';
import { ConflictError, GoneError, NotFoundError } from '../../../errors.js';
import type { BlobStore } from '../../../ports/blob-store.js';
import type { MasterKeys } from '../../../ports/master-keys.js';
import { authorizeAccount } from '../../access/policy.js';
import { recordAudit, type AuditActor } from '../../audit/record.js';
import type { Principal } from '../../principal.js';
import { newDownloadToken } from './download-token.js';
import { takePassphraseOnce } from './passphrase.js';
import { DEFAULT_EXPORT_TTL_SECONDS, exportObjectKeys } from './settings.js';

export interface ExportLinkDeps {
  db: Db;
  masterKeys: MasterKeys;
  stores: ReadonlyMap<string, BlobStore>;
  publicBaseUrl: string;
  exportTtlSeconds?: number;
}

export interface ExportLink {
  exportId: string;
  downloadUrl: string;
  expiresAt: string;
  sizeBytes: number;
  /** The bundle's passphrase: given on the first link only, then never again (null). */
  passphrase: string | null;
}

/** A DPO asks through the API; the CLI acts as Parley itself on the operator's behalf. */
export type LinkRequester = { principal: Principal } | { operator: true; tenantId: string };

/**
 * Mints the time-limited download link of a request's bundle (an earlier link stops working) and,
 * the first time only, hands over the passphrase: its wrapped copy is deleted in the same step,
 * under a row lock, so two racing calls cannot both receive it. Neither the link's token nor the
 * passphrase is logged or audited.
 */
export async function issueExportLink(deps: ExportLinkDeps, requester: LinkRequester, requestId: string): Promise<ExportLink> {
  const agent = 'principal' in requester ? authorizeAccount(requester.principal, 'handle_dsar') : undefined;
  const tenantId = agent ? agent.tenantId : (requester as { tenantId: string }).tenantId;
  const actor: AuditActor = agent ?? { kind: 'system' };
  const [request] = await deps.db
    .select({ id: dsarRequests.id, kind: dsarRequests.kind })
    .from(dsarRequests)
    .where(and(eq(dsarRequests.tenantId, tenantId), eq(dsarRequests.id, requestId)));
  if (!request) throw new NotFoundError('DSAR_NOT_FOUND', 'No such data-subject request.');
  if (request.kind !== 'access') throw new ConflictError('DSAR_NOT_ACCESS', 'Only an access request has an export.');

  const { token, hash } = newDownloadToken();
  return deps.db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(dsarExports)
      .where(and(eq(dsarExports.tenantId, tenantId), eq(dsarExports.requestId, requestId), isNotNull(dsarExports.sizeBytes)))
      .orderBy(desc(dsarExports.createdAt))
      .limit(1)
      .for('update');
    if (!row || row.sizeBytes === null) throw new ConflictError('EXPORT_NOT_READY', 'The export of this request is not ready yet; its progress shows on the request.');
    if (row.expiresAt <= new Date()) throw new GoneError('EXPORT_EXPIRED', 'This export has expired and was or will be deleted; record the access request again (POST /api/dsar) for a new one.');
    const store = deps.stores.get(row.storageLocation);
    if (!store) throw new Error(`storage location "${row.storageLocation}" is not configured`);

    const keys = exportObjectKeys(tenantId, row.id);
    const { passphrase, forget } = await takePassphraseOnce(deps.masterKeys, store, tenantId, row.id, keys.passphrase);
    const expiresAt = new Date(Date.now() + (deps.exportTtlSeconds ?? DEFAULT_EXPORT_TTL_SECONDS) * 1000);
    await tx.update(dsarExports).set({ downloadTokenHash: hash, expiresAt, updatedAt: new Date() }).where(eq(dsarExports.id, row.id));
    await recordAudit(tx, {
      tenantId,
      actor,
      action: 'dsar.export_link_issued',
      subjectType: 'dsar_request',
      subjectId: requestId,
      details: { exportId: row.id, expiresAt: expiresAt.toISOString(), passphraseHandedOver: passphrase !== null, via: agent ? 'api' : 'cli' },
    });
    // Last, once nothing else can fail: from here on nobody can receive it again.
    await forget();
    return { exportId: row.id, downloadUrl: `${deps.publicBaseUrl}/dsar/bundles/${token}`, expiresAt: expiresAt.toISOString(), sizeBytes: row.sizeBytes, passphrase };
  });
}
