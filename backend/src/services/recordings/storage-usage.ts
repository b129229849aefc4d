import { and, asc, count, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { calls, meetingTypes, recordings } from '../../db/schema/index.js';
import { authorizeAccount } from '../access/policy.js';
import type { Principal } from '../principal.js';

/**
 * What the account's recordings occupy, per meeting type and storage location (a type moved to a
 * new location keeps its older recordings where they were stored). A blob counts from the moment
 * it is written until its removal is confirmed, which is later than its key's destruction.
 * Meeting types with nothing stored appear once, at their configured location, with zeros, so
 * every type shows up in the console.
 */
export async function storageUsage(db: DbOrTx, principal: Principal) {
  const admin = authorizeAccount(principal, 'configure');
  const [types, used] = await Promise.all([
    db
      .select({ id: meetingTypes.id, name: meetingTypes.name, location: meetingTypes.storageLocation })
      .from(meetingTypes)
      .where(eq(meetingTypes.tenantId, admin.tenantId))
      .orderBy(asc(meetingTypes.name)),
    db
      .select({
        meetingTypeId: calls.meetingTypeId,
        location: recordings.storageLocation,
        recordings: count(),
        // bigint sums come back as text from both drivers.
        bytes: sql<string>`coalesce(sum(${recordings.sizeBytes}), 0)::text`,
      })
      .from(recordings)
      .innerJoin(calls, eq(calls.id, recordings.callId))
      .where(and(eq(recordings.tenantId, admin.tenantId), isNotNull(recordings.objectKey), isNull(recordings.blobDeletedAt)))
      .groupBy(calls.meetingTypeId, recordings.storageLocation)
      .orderBy(asc(recordings.storageLocation)),
  ]);

  const byMeetingType = types.flatMap((type) => {
    const rows = used.filter((row) => row.meetingTypeId === type.id);
    const meetingType = { id: type.id, name: type.name };
    if (rows.length === 0) return [{ meetingType, location: type.location, recordings: 0, bytes: 0 }];
    return rows.map((row) => ({ meetingType, location: row.location, recordings: row.recordings, bytes: Number(row.bytes) }));
  });
  return { totalBytes: byMeetingType.reduce((sum, row) => sum + row.bytes, 0), byMeetingType };
}
