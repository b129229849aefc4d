import { and, eq } from 'drizzle-orm';
import { tenantExports } from '../../db/schema/index.js';
import { ConflictError, GoneError, NotFoundError } from '../../errors.js';
import { authorizeAccount } from '../access/policy.js';
import { recordAudit } from '../audit/record.js';
import { newDownloadToken } from '../dsar/export/download-token.js';
import { takePassphraseOnce } from '../dsar/export/passphrase.js';
import { DEFAULT_EXPORT_TTL_SECONDS } from '../dsar/export/settings.js';
import type { Principal } from '../principal.js';
import type { OffboardingDeps } from './deps.js';
import { exportState, tenantExportKeys } from './export-keys.js';

/**
 * A time-limited download link for a finished account export (an earlier link stops working) and,
 * the first time only, its passphrase: the wrapped copy is deleted under the row lock before it is
 * returned, so two racing calls cannot both receive it. Neither is logged or audited.
 */
export async function issueTenantExportLink(deps: OffboardingDeps, principal: Principal, exportId: string) {
  const admin = authorizeAccount(principal, 'configure');
  const { token, hash } = newDownloadToken();
  return deps.db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(tenantExports)
      .where(and(eq(tenantExports.tenantId, admin.tenantId), eq(tenantExports.id, exportId)))
      .for('update');
    if (!row) throw new NotFoundError('EXPORT_NOT_FOUND', 'No such export of this account.');
    const state = exportState(row);
    if (state === 'expired') throw new GoneError('EXPORT_EXPIRED', 'This export has expired; start a new one.');
    if (state !== 'ready') throw new ConflictError('EXPORT_NOT_READY', `This export is ${state}; a link exists only for a finished export.`);
    const store = deps.stores.get(row.storageLocation!);
    if (!store) throw new Error(`storage location "${row.storageLocation}" is not configured`);

    const keys = tenantExportKeys(admin.tenantId, row.id);
    const { passphrase, forget } = await takePassphraseOnce(deps.masterKeys, store, admin.tenantId, row.id, keys.passphrase);
    const expiresAt = new Date(Date.now() + (deps.exportTtlSeconds ?? DEFAULT_EXPORT_TTL_SECONDS) * 1000);
    await tx.update(tenantExports).set({ downloadTokenHash: hash, expiresAt, updatedAt: new Date() }).where(eq(tenantExports.id, row.id));
    await recordAudit(tx, {
      tenantId: admin.tenantId,
      actor: admin,
      action: 'tenant.export_link_issued',
      subjectType: 'tenant_export',
      subjectId: row.id,
      details: { expiresAt: expiresAt.toISOString(), passphraseHandedOver: passphrase !== null },
    });
    // Last, once nothing else can fail: from here on nobody can receive it again.
    await forget();
    return { exportId: row.id, downloadUrl: `${deps.publicBaseUrl}/offboarding/bundles/${token}`, expiresAt: expiresAt.toISOString(), sizeBytes: row.sizeBytes!, passphrase };
  });
}
