import { rm } from 'node:fs/promises';
import { and, eq, isNotNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Tx } from '../../db/client.js';
import { auditChainHeads, calls, dsarExports, installations, offboardedTenants, recordings, tenantExports, tenants } from '../../db/schema/index.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import type { AuditForwardPayload } from '../../ports/outbox-delivery.js';
import { authorizeAccount } from '../access/policy.js';
import { canonicalEvent, chainTimestamp, GENESIS_HASH, linkHash, type ChainedEvent } from '../audit/chain.js';
import { auditForwardingEnabled } from '../audit/forwarding.js';
import { rowsOf } from '../audit/record.js';
import { exportObjectKeys } from '../dsar/export/settings.js';
import type { AgentPrincipal, Principal } from '../principal.js';
import { rawRecordingDir } from '../recordings/raw-dir.js';
import { workDirOf } from '../recordings/work-dir.js';
import type { OffboardingDeps } from './deps.js';
import { tenantExportKeys } from './export-keys.js';
import { offboardingBlockers, refusalFor } from './preconditions.js';
import { countTenantRows, deleteTenantRows, tenantTables } from './tenant-rows.js';

export const offboardInput = z
  .object({
    /** The account's name exactly as GET /api/admin/offboarding shows it: typed by the admin, not pasted by a script by mistake. */
    confirmAccount: z.string().min(1).max(200),
    exportId: z.uuid(),
  })
  .strict();

interface StoredObject {
  location: string;
  key: string;
}

/**
 * Deletes the account for good (admins), after a finished, downloaded export of it: the tenant
 * master key is destroyed first, so every recording, every copy and backup of a blob, and every
 * sealed audit entry is unreadable from then on; then the blobs and raw files go, then every row
 * of the tenant, audit trail and consent evidence included. What remains is one row in
 * `offboarded_tenants` with the closing link of the audit chain, copied to the audit sink when one
 * is configured. The account row is locked throughout, so nothing new is written to the account
 * meanwhile; a run that fails part-way can be repeated (every step is idempotent).
 */
export async function offboardTenant(deps: OffboardingDeps, principal: Principal, input: z.infer<typeof offboardInput>) {
  const admin = authorizeAccount(principal, 'configure');
  const tables = await tenantTables(deps.db);
  return deps.db.transaction(async (tx) => {
    // FOR UPDATE (not NO KEY UPDATE): every insert that references the tenant waits until this ends.
    const [tenant] = await tx.select().from(tenants).where(eq(tenants.id, admin.tenantId)).for('update');
    if (!tenant) throw new NotFoundError('TENANT_NOT_FOUND', 'This account no longer exists.');
    if (input.confirmAccount !== tenant.name) {
      throw new ValidationError('CONFIRMATION_MISMATCH', 'The confirmation does not match the account name. Type the account name exactly as shown.');
    }
    const [exportRow] = await tx.select().from(tenantExports).where(and(eq(tenantExports.tenantId, admin.tenantId), eq(tenantExports.id, input.exportId)));
    const [blocker] = await offboardingBlockers(tx, admin.tenantId, exportRow);
    if (blocker) throw refusalFor(blocker);

    const objects = await storedObjects(tx, admin.tenantId);
    const missing = [...new Set(objects.map((o) => o.location))].filter((location) => !deps.stores.has(location));
    if (missing.length > 0) {
      throw new ConflictError('STORAGE_LOCATION_MISSING', `Blobs of this account are in storage locations this server does not have (${missing.join(', ')}); configure them first.`);
    }
    const [installation] = await tx.select().from(installations).where(eq(installations.tenantId, admin.tenantId)).limit(1);
    const counts = await countTenantRows(tx, admin.tenantId, tables);

    // From here on nothing of the account can be read again, whatever happens next.
    await deps.masterKeys.destroy(admin.tenantId);
    for (const object of objects) {
      const store = deps.stores.get(object.location)!;
      await store.delete(object.key);
      if (await store.head(object.key)) throw new Error(`a blob of the account is still stored after deleting it (${object.location})`);
    }
    for (const dir of await localFolders(tx, deps.dataDir, admin.tenantId)) await rm(dir, { recursive: true, force: true });

    const closing = await closingEvent(tx, admin, {
      host: installation?.host ?? 'unknown',
      externalAccountId: installation?.externalAccountId ?? tenant.name,
      exportId: input.exportId,
      rowsDeleted: Object.values(counts).reduce((a, b) => a + b, 0),
      blobsDeleted: objects.length,
      masterKeyDestroyed: true,
    });
    await deleteTenantRows(tx, admin.tenantId, tables);
    const deleted = { ...counts, blobs: objects.length, masterKeyDestroyed: true };
    const [record] = await tx
      .insert(offboardedTenants)
      .values({
        tenantId: admin.tenantId,
        host: installation?.host ?? 'unknown',
        externalAccountId: installation?.externalAccountId ?? tenant.name,
        offboardedAt: new Date(closing.at),
        offboardedBy: admin.agentId,
        deleted,
        auditHeadSeq: closing.seq,
        auditHeadHash: closing.hash,
        finalEvent: { ...closing },
        forwardState: auditForwardingEnabled() ? 'pending' : 'none',
      })
      .returning();
    deps.logger.info({ tenantId: admin.tenantId, rows: closing.details.rowsDeleted, blobs: objects.length }, 'account offboarded');
    return {
      tenantId: record!.tenantId,
      account: tenant.name,
      offboardedAt: record!.offboardedAt.toISOString(),
      deleted,
      auditHead: { seq: record!.auditHeadSeq, hash: record!.auditHeadHash },
    };
  });
}

/** Every blob the account has in any store: recordings, data-subject export bundles, account export bundles. */
async function storedObjects(tx: Tx, tenantId: string): Promise<StoredObject[]> {
  const media = await tx
    .select({ location: recordings.storageLocation, key: recordings.objectKey })
    .from(recordings)
    .where(and(eq(recordings.tenantId, tenantId), isNotNull(recordings.objectKey)));
  const subjectExports = await tx.select({ id: dsarExports.id, location: dsarExports.storageLocation, key: dsarExports.objectKey }).from(dsarExports).where(eq(dsarExports.tenantId, tenantId));
  const accountExports = await tx.select({ id: tenantExports.id, location: tenantExports.storageLocation }).from(tenantExports).where(eq(tenantExports.tenantId, tenantId));
  return [
    ...media.map((m) => ({ location: m.location, key: m.key! })),
    ...subjectExports.flatMap((e) => [
      { location: e.location, key: e.key },
      { location: e.location, key: exportObjectKeys(tenantId, e.id).passphrase },
    ]),
    // The objects are named by id, so a bundle swept earlier (key forgotten) is simply absent.
    ...accountExports
      .filter((e) => e.location !== null)
      .flatMap((e) => Object.values(tenantExportKeys(tenantId, e.id)).map((key) => ({ location: e.location!, key }))),
  ];
}

/** Raw recordings and work folders of the account's calls on this host's disk. */
async function localFolders(tx: Tx, dataDir: string, tenantId: string): Promise<string[]> {
  const callIds = await tx.select({ id: calls.id }).from(calls).where(eq(calls.tenantId, tenantId));
  const jobs = await tx.select({ id: recordings.id, rawDir: recordings.rawDir }).from(recordings).where(eq(recordings.tenantId, tenantId));
  return [...new Set([...callIds.map((c) => rawRecordingDir(dataDir, c.id)), ...jobs.flatMap((j) => [j.rawDir, workDirOf(dataDir, j.id)])])];
}

/**
 * The `tenant.offboarded` event that closes the account's audit chain: linked to its last event as
 * any event is, so a copy of the trail kept elsewhere (the audit sink) can be checked to its end.
 * It takes an id from the audit events' sequence, as the sink expects every event to have one.
 */
async function closingEvent(tx: Tx, admin: AgentPrincipal, details: ChainedEvent['details']): Promise<AuditForwardPayload> {
  const [head] = await tx.select().from(auditChainHeads).where(eq(auditChainHeads.tenantId, admin.tenantId));
  const [reserved] = rowsOf<{ id: number | string }>(await tx.execute(sql`SELECT nextval(pg_get_serial_sequence('audit_events', 'id')) AS id`));
  const event: ChainedEvent = {
    tenantId: admin.tenantId,
    seq: Number(head?.seq ?? 0) + 1,
    at: chainTimestamp(new Date()),
    actorType: 'agent',
    actorId: admin.agentId,
    action: 'tenant.offboarded',
    subjectType: 'tenant',
    subjectId: admin.tenantId,
    details,
    dataSubjectId: null,
    sealed: null,
    prevHash: head?.hash ?? GENESIS_HASH,
  };
  return { id: Number(reserved!.id), ...event, hash: linkHash(event.prevHash, canonicalEvent(event)) };
}
