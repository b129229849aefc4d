import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { and, eq, inArray, ne } from 'drizzle-orm';
import { dsarExports, dsarRequests, tenants } from '../../../db/schema/index.js';
import { recordAudit } from '../../audit/record.js';
import { regionAllowed } from '../../recordings/regions.js';
import type { DsarJobDeps, DsarProgress, DsarRequestRow, DsarRunResult } from '../job.js';
import { DsarNotYet } from '../not-yet.js';
import { subjectAccessLog } from './access-log.js';
import { writeEncryptedBundle } from './bundle.js';
import { collectSubjectData } from './collect.js';
import { newPassphraseSecret, passphraseFrom, storeWrappedSecret } from './passphrase.js';
import { subjectRecordings } from './subject-recordings.js';
import { renderSummary } from './summary-html.js';
import { DEFAULT_EXPORT_TTL_SECONDS, exportObjectKeys } from './settings.js';
import { deleteExportObjects } from './sweep-expired.js';

/** Job deps, plus how long a bundle waits to be fetched (DSAR_EXPORT_TTL_HOURS). */
export type AccessRequestDeps = DsarJobDeps & { exportTtlSeconds?: number };

/** Bundles go to the local store: it is the controller's own disk, and the bundle lives only days. */
export const EXPORT_STORE = 'local';

/**
 * Answers an access request (Art. 15, with the portable copy of Art. 20): one zip of
 * summary.html, data.json and the subject's recordings, encrypted with age under a random
 * passphrase as it is written, stored under exports/. The passphrase is kept only wrapped by the
 * tenant master key, until `issueExportLink` hands it over once. A run that ends any other way
 * leaves nothing behind; a later successful run replaces an earlier bundle. The row goes in before
 * the objects do (as a preparing one), so a run that dies in between leaves objects a row names:
 * the next run of the request removes them, and failing that the expiry sweep does.
 */
export async function runAccessRequest(deps: AccessRequestDeps, request: DsarRequestRow, progress: DsarProgress): Promise<DsarRunResult> {
  if (request.kind !== 'access') throw new Error(`request ${request.id} is not an access request`);
  const { tenantId, customerId } = request;
  if (!customerId) return nothingHeld(progress);
  const store = deps.stores.get(EXPORT_STORE);
  if (!store) throw new Error(`storage location "${EXPORT_STORE}" is not configured`);
  // The bundle holds the subject's data, recordings decrypted: kept only where the account allows, as they are.
  const [tenant] = await deps.db.select({ allowedRegions: tenants.allowedRegions }).from(tenants).where(eq(tenants.id, tenantId));
  if (!tenant || !regionAllowed(store.region, tenant.allowedRegions)) {
    throw new Error(`storage location "${store.location}" is in region ${store.region}, which this account does not allow; the export waits until it does`);
  }

  const generatedAt = new Date();
  const exportId = randomUUID();
  const keys = exportObjectKeys(tenantId, exportId);
  const workDir = path.join(deps.dataDir, 'tmp', 'dsar-exports');
  await mkdir(workDir, { recursive: true, mode: 0o700 });
  const partial = path.join(workDir, `${exportId}.age.partial`);
  const secret = newPassphraseSecret();
  const ttlMs = (deps.exportTtlSeconds ?? DEFAULT_EXPORT_TTL_SECONDS) * 1000;
  await deps.db.insert(dsarExports).values({
    id: exportId,
    tenantId,
    requestId: request.id,
    storageLocation: store.location,
    objectKey: keys.bundle,
    // No size until the bundle is stored: while it is null no link is issued for the row.
    sizeBytes: null,
    // No link yet: this hash is of a token nobody holds. `issueExportLink` replaces it.
    downloadTokenHash: createHash('sha256').update(randomBytes(32)).digest('hex'),
    expiresAt: new Date(Date.now() + ttlMs),
  });
  let stored = false;
  try {
    // An erasure of the same subject goes first: a bundle made meanwhile would be a copy it
    // missed. Asked only now that the row above is in: an erasure received after this question
    // finds the row and removes it with the bundle, so the export cannot outlive it.
    await assertNoErasureOpen(deps, customerId);
    const data = await collectSubjectData(deps.db, tenantId, customerId);
    if (!data) {
      // Gone meanwhile (retention deleted the customer with their last call).
      await deps.db.delete(dsarExports).where(eq(dsarExports.id, exportId));
      return nothingHeld(progress);
    }
    const accessLog = await subjectAccessLog(deps.db, deps.masterKeys, {
      tenantId,
      customerId,
      caseIds: data.cases.map((c) => c.id),
      callIds: data.calls.map((c) => c.id),
      recordingIds: data.recordings.map((r) => r.id),
    });
    const media = await subjectRecordings(deps.db, deps.masterKeys, deps.stores, tenantId, customerId);
    const { sizeBytes } = await writeEncryptedBundle(
      {
        files: [
          { name: 'summary.html', body: renderSummary(data, accessLog, generatedAt) },
          { name: 'data.json', body: `${JSON.stringify({ ...data, accessLog, generatedAt: generatedAt.toISOString(), requestId: request.id }, null, 2)}\n` },
        ],
        entries: media,
      },
      passphraseFrom(secret),
      partial,
      progress,
    );
    stored = true;
    await store.putFile(keys.bundle, partial);
    await storeWrappedSecret(deps.masterKeys, store, tenantId, exportId, keys.passphrase, secret);

    const expiresAt = new Date(Date.now() + ttlMs);
    // Earlier bundles of the request, and what runs that died while preparing one left behind.
    const earlier = await deps.db
      .select({
        id: dsarExports.id,
        tenantId: dsarExports.tenantId,
        storageLocation: dsarExports.storageLocation,
        objectKey: dsarExports.objectKey,
        sizeBytes: dsarExports.sizeBytes,
      })
      .from(dsarExports)
      .where(and(eq(dsarExports.tenantId, tenantId), eq(dsarExports.requestId, request.id), ne(dsarExports.id, exportId)));
    const replacedExports = earlier.filter((e) => e.sizeBytes !== null).length;
    await deps.db.transaction(async (tx) => {
      const [ready] = await tx
        .update(dsarExports)
        .set({ sizeBytes, expiresAt, updatedAt: new Date() })
        .where(eq(dsarExports.id, exportId))
        .returning({ id: dsarExports.id });
      // Removed by an erasure of the subject meanwhile: the export runs again once that is done.
      if (!ready) throw new DsarNotYet(`export ${exportId} was removed while it was prepared`);
      await recordAudit(tx, {
        tenantId,
        actor: { kind: 'system' },
        action: 'dsar.export_prepared',
        subjectType: 'dsar_request',
        subjectId: request.id,
        details: { exportId, customerId, recordings: media.length, sizeBytes, replacedExports, abandonedExports: earlier.length - replacedExports, expiresAt: expiresAt.toISOString() },
      });
    });
    // Objects first, then the row that names them: a row left by a failure here goes with the sweep.
    for (const old of earlier) {
      try {
        await deleteExportObjects(deps.stores, old);
        await deps.db.delete(dsarExports).where(eq(dsarExports.id, old.id));
      } catch (error) {
        deps.logger.warn({ exportId: old.id, err: error }, 'replaced export bundle not removed yet; the expiry sweep will');
      }
    }
    return {
      state: 'completed',
      outcome: {
        kind: 'access',
        dataHeld: true,
        exportId,
        sizeBytes,
        expiresAt: expiresAt.toISOString(),
        contents: {
          cases: data.cases.length,
          calls: data.calls.length,
          consentRecords: data.consentRecords.length,
          recordings: media.length,
          recordingsNotIncluded: data.recordings.filter((r) => !r.file).map((r) => ({ id: r.id, status: r.status })),
          accessLogEvents: accessLog.length,
        },
        delivery: 'age-encrypted zip; POST /api/dsar/{id}/export/link issues the download link and, once, the passphrase',
      },
    };
  } catch (error) {
    // The row stays when the objects could not be removed, so the next run or the sweep still finds them.
    const objects = { id: exportId, tenantId, storageLocation: store.location, objectKey: keys.bundle };
    const removed = await (stored ? deleteExportObjects(deps.stores, objects) : Promise.resolve()).then(
      () => true,
      () => false,
    );
    if (removed) await deps.db.delete(dsarExports).where(eq(dsarExports.id, exportId)).catch(() => undefined);
    throw error;
  } finally {
    secret.fill(0);
    await rm(partial, { force: true });
  }
}

/** Nothing is held: the answer to an access request is then exactly that (Art. 15(1)). */
async function nothingHeld(progress: DsarProgress): Promise<DsarRunResult> {
  await progress(0, 0);
  return { state: 'completed', outcome: { kind: 'access', dataHeld: false } };
}

async function assertNoErasureOpen(deps: AccessRequestDeps, customerId: string): Promise<void> {
  const [erasing] = await deps.db
    .select({ id: dsarRequests.id })
    .from(dsarRequests)
    .where(and(eq(dsarRequests.customerId, customerId), eq(dsarRequests.kind, 'erasure'), inArray(dsarRequests.state, ['received', 'in_progress'])))
    .limit(1);
  if (erasing) throw new DsarNotYet('an erasure request for this subject is open; the export waits for it');
}
