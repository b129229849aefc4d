import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { installations, meetingTypes, tenants } from '../../db/schema/index.js';
import { ensureBuiltInRoles } from '../access/assignments.js';
import { recordAudit } from '../audit/record.js';
import { publishNotices, type StoragePlaces } from '../notices/publish.js';
import { defaultMeetingTypes } from './default-meeting-types.js';

export interface HostAccount {
  host: 'zendesk' | 'teams';
  externalAccountId: string;
}

export interface ProvisionOptions {
  /**
   * A seeded configuration (the demo) that counts as set up by an admin, with recording on. Host
   * installs never pass it: they start unconfigured and record nothing until an admin says so.
   */
  preconfigured?: boolean;
  /** Where recordings go: the notices of a preconfigured account, which records, name the place. */
  places?: StoragePlaces;
}

/**
 * Finds the tenant behind a host account, creating it with safe defaults on the
 * first verified load. Two concurrent first loads end with one tenant.
 */
export async function provisionTenant(db: Db, account: HostAccount, options: ProvisionOptions = {}): Promise<{ tenantId: string; created: boolean }> {
  const existing = await findTenant(db, account);
  if (existing) return { tenantId: existing, created: false };

  const setUpAt = options.preconfigured ? new Date() : null;
  return db.transaction(async (tx) => {
    const [tenant] = await tx
      .insert(tenants)
      .values({ name: account.externalAccountId, onboardedAt: setUpAt, recordingEnabledAt: setUpAt })
      .returning({ id: tenants.id });
    const inserted = await tx
      .insert(installations)
      .values({ tenantId: tenant!.id, ...account })
      .onConflictDoNothing()
      .returning({ id: installations.id });
    if (inserted.length === 0) {
      // Another request won the race; drop ours (rolls back the tenant too).
      tx.rollback();
    }
    await ensureBuiltInRoles(tx, tenant!.id);
    await tx.insert(meetingTypes).values(defaultMeetingTypes.map((type) => ({ ...type, tenantId: tenant!.id })));
    // An unconfigured account records nothing, so its notices name no place for recordings.
    await publishNotices(tx, tenant!.id, options.places ?? new Map());
    await recordAudit(tx, {
      tenantId: tenant!.id,
      actor: { kind: 'system' },
      action: 'tenant.provisioned',
      subjectType: 'tenant',
      subjectId: tenant!.id,
      details: { host: account.host, preconfigured: setUpAt !== null, recordingEnabled: setUpAt !== null },
    });
    return { tenantId: tenant!.id, created: true };
  }).catch(async (error: unknown) => {
    const winner = await findTenant(db, account);
    if (winner) return { tenantId: winner, created: false };
    throw error;
  });
}

async function findTenant(db: Db, account: HostAccount): Promise<string | undefined> {
  const [row] = await db
    .select({ tenantId: installations.tenantId })
    .from(installations)
    .where(and(eq(installations.host, account.host), eq(installations.externalAccountId, account.externalAccountId)));
  return row?.tenantId;
}
