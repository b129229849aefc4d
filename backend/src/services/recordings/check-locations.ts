import { eq, ne } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { meetingTypes, tenants } from '../../db/schema/index.js';
import type { BlobStore } from '../../ports/blob-store.js';
import { regionAllowed } from './regions.js';

export interface LocationProblem {
  tenantId: string;
  meetingTypeId: string;
  location: string;
  problem: 'unknown_location' | 'region_not_allowed';
}

/**
 * Meeting types that record into a location this deployment lacks, or into a region their tenant
 * does not allow. Checked at start so an operator hears of it before a call is recorded; every
 * write checks again.
 */
export async function findLocationProblems(db: Db, stores: ReadonlyMap<string, BlobStore>): Promise<LocationProblem[]> {
  const rows = await db
    .select({ tenantId: meetingTypes.tenantId, meetingTypeId: meetingTypes.id, location: meetingTypes.storageLocation, allowed: tenants.allowedRegions })
    .from(meetingTypes)
    .innerJoin(tenants, eq(tenants.id, meetingTypes.tenantId))
    .where(ne(meetingTypes.recordingPolicy, 'forbidden'));
  return rows.flatMap(({ allowed, ...row }): LocationProblem[] => {
    const store = stores.get(row.location);
    if (!store) return [{ ...row, problem: 'unknown_location' }];
    if (!regionAllowed(store.region, allowed)) return [{ ...row, problem: 'region_not_allowed' }];
    return [];
  });
}
