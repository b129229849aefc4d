import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { meetingTypes, tenants } from '../../db/schema/index.js';
import { NotFoundError, PolicyViolation } from '../../errors.js';
import type { BlobStore } from '../../ports/blob-store.js';
import { recordAudit } from '../audit/record.js';
import { publishNotices } from '../notices/publish.js';
import { authorizeAccount } from '../access/policy.js';
import type { Principal } from '../principal.js';
import { regionAllowed } from '../recordings/regions.js';

export const storageLocationInput = z.object({ storageLocation: z.string().min(1).max(63) });

type Locations = ReadonlyMap<string, Pick<BlobStore, 'location' | 'region'>>;

/** The storage locations this deployment offers, and whether the tenant's regions allow each. */
export async function listStorageLocations(deps: { db: Db; stores: Locations }, principal: Principal) {
  const admin = authorizeAccount(principal, 'configure');
  const [tenant] = await deps.db.select({ allowedRegions: tenants.allowedRegions }).from(tenants).where(eq(tenants.id, admin.tenantId));
  return [...deps.stores.values()].map((store) => ({
    name: store.location,
    region: store.region,
    allowed: regionAllowed(store.region, tenant?.allowedRegions ?? []),
  }));
}

/**
 * Where a meeting type's future recordings are stored. Only a configured location in a region the
 * tenant allows; recordings already made stay where they are. Its notices say so from now on.
 */
export async function setStorageLocation(
  deps: { db: Db; stores: Locations },
  principal: Principal,
  meetingTypeId: string,
  input: z.infer<typeof storageLocationInput>,
) {
  return deps.db.transaction(async (tx) => {
    const admin = authorizeAccount(principal, 'configure');
    const [tenant] = await tx.select({ allowedRegions: tenants.allowedRegions }).from(tenants).where(eq(tenants.id, admin.tenantId));
    const store = deps.stores.get(input.storageLocation);
    if (!store) {
      const names = [...deps.stores.keys()].join(', ');
      throw new PolicyViolation('UNKNOWN_STORAGE_LOCATION', `No storage location "${input.storageLocation}" here; choose one of: ${names}.`);
    }
    if (!regionAllowed(store.region, tenant?.allowedRegions ?? [])) {
      throw new PolicyViolation(
        'REGION_NOT_ALLOWED',
        `"${store.location}" stores in ${store.region}, outside this account's allowed regions (${(tenant?.allowedRegions ?? []).join(', ')}).`,
      );
    }
    const [updated] = await tx
      .update(meetingTypes)
      .set({ storageLocation: store.location, updatedAt: new Date() })
      .where(and(eq(meetingTypes.id, meetingTypeId), eq(meetingTypes.tenantId, admin.tenantId)))
      .returning({ id: meetingTypes.id, key: meetingTypes.key, storageLocation: meetingTypes.storageLocation });
    if (!updated) throw new NotFoundError('MEETING_TYPE_NOT_FOUND', 'No such meeting type for this account.');
    // The notice says where the recordings go: a new place is new words.
    const noticeVersionsPublished = await publishNotices(tx, admin.tenantId, deps.stores, admin.agentId);
    await recordAudit(tx, {
      tenantId: admin.tenantId,
      actor: admin,
      action: 'meeting_type.storage_location_changed',
      subjectType: 'meeting_type',
      subjectId: updated.id,
      details: { storageLocation: store.location, region: store.region, noticeVersionsPublished },
    });
    return updated;
  });
}
