import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { tenantExports } from '../../db/schema/index.js';
import { recordAudit } from '../audit/record.js';
import { writeEncryptedBundle } from '../dsar/export/bundle.js';
import { newPassphraseSecret, passphraseFrom, storeWrappedSecret } from '../dsar/export/passphrase.js';
import { EXPORT_STORE } from '../dsar/export/run-access-request.js';
import { DEFAULT_EXPORT_TTL_SECONDS } from '../dsar/export/settings.js';
import type { OffboardingDeps } from './deps.js';
import { tenantExportContents } from './export-contents.js';
import { EXPORT_STALE_MS, tenantExportKeys } from './export-keys.js';

/**
 * Writes the account's bundle: a zip encrypted with age under a random passphrase as it is
 * written, so no plaintext reaches the disk, stored under exports/ in the local store. The
 * passphrase is kept only wrapped by the tenant master key until the first download link hands it
 * over. A run that fails leaves no bundle and marks the export failed.
 */
export async function runTenantExport(deps: OffboardingDeps, exportId: string): Promise<void> {
  const [row] = await deps.db.select().from(tenantExports).where(eq(tenantExports.id, exportId));
  if (!row || row.state !== 'running') return;
  const { tenantId } = row;
  const running = and(eq(tenantExports.id, exportId), eq(tenantExports.state, 'running'));
  const touch = (change: Partial<typeof tenantExports.$inferInsert> = {}) =>
    deps.db.update(tenantExports).set({ ...change, heartbeatAt: new Date() }).where(running);
  // A single long recording can take longer than the stale limit between two progress reports.
  const heartbeat = setInterval(() => void touch().catch(() => undefined), EXPORT_STALE_MS / 4);

  const store = deps.stores.get(EXPORT_STORE);
  const keys = tenantExportKeys(tenantId, exportId);
  const workDir = path.join(deps.dataDir, 'tmp', 'account-exports');
  const partial = path.join(workDir, `${exportId}.age.partial`);
  const secret = newPassphraseSecret();
  let stored = false;
  try {
    if (!store) throw new Error(`storage location "${EXPORT_STORE}" is not configured`);
    await mkdir(workDir, { recursive: true, mode: 0o700 });
    const { contents, counts } = await tenantExportContents(deps.db, deps.masterKeys, deps.stores, tenantId);
    const { sizeBytes } = await writeEncryptedBundle(contents, passphraseFrom(secret), partial, async (done, total) => {
      await touch({ progressDone: done, progressTotal: total });
    });
    stored = true;
    await store.putFile(keys.bundle, partial);
    await storeWrappedSecret(deps.masterKeys, store, tenantId, exportId, keys.passphrase, secret);
    const expiresAt = new Date(Date.now() + (deps.exportTtlSeconds ?? DEFAULT_EXPORT_TTL_SECONDS) * 1000);
    await deps.db.transaction(async (tx) => {
      const [ready] = await tx
        .update(tenantExports)
        .set({
          state: 'ready',
          storageLocation: store.location,
          objectKey: keys.bundle,
          sizeBytes,
          contents: counts,
          // No link yet: this hash is of a token nobody holds. Issuing a link replaces it.
          downloadTokenHash: createHash('sha256').update(randomBytes(32)).digest('hex'),
          expiresAt,
          finishedAt: new Date(),
          updatedAt: new Date(),
        })
        .where(running)
        .returning({ id: tenantExports.id });
      if (!ready) throw new Error('the export was taken over while it ran');
      await recordAudit(tx, {
        tenantId,
        actor: { kind: 'system' },
        action: 'tenant.export_ready',
        subjectType: 'tenant_export',
        subjectId: exportId,
        details: { ...counts, sizeBytes, expiresAt: expiresAt.toISOString() },
      });
    });
  } catch (error) {
    if (stored && store) await Promise.all([store.delete(keys.bundle), store.delete(keys.passphrase)]).catch(() => undefined);
    const message = error instanceof Error ? error.message : String(error);
    await deps.db.transaction(async (tx) => {
      const [failed] = await tx
        .update(tenantExports)
        .set({ state: 'failed', lastError: message.slice(0, 500), finishedAt: new Date(), updatedAt: new Date() })
        .where(running)
        .returning({ id: tenantExports.id });
      if (failed) await recordAudit(tx, { tenantId, actor: { kind: 'system' }, action: 'tenant.export_failed', subjectType: 'tenant_export', subjectId: exportId });
    });
    throw error;
  } finally {
    clearInterval(heartbeat);
    secret.fill(0);
    await rm(partial, { force: true });
  }
}
