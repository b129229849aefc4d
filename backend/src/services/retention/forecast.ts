import { and, asc, count, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { calls, meetingTypes, recordings } from '../../db/schema/index.js';
import { authorizeAccount } from '../access/policy.js';
import { recordingNotHeld } from '../legal-holds/active.js';
import type { Principal } from '../principal.js';

const MONTHS = 12;
export const LATER = 'later';

/** 'YYYY-MM' of this month (UTC) and the eleven after it. */
export function forecastMonths(now: Date): string[] {
  return Array.from({ length: MONTHS }, (_, n) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + n, 1)).toISOString().slice(0, 7));
}

/**
 * How many stored recordings the retention job will delete in each of the next twelve months, per
 * meeting type, from the periods configured now (a change to a period moves the forecast with it).
 * The month is worked out by the same arithmetic the job uses, so a recording is counted in the
 * month it will actually go. One already due (the job runs soon) counts in this month. Recordings
 * under a legal hold are not deleted while it lasts, so they are counted apart, not in any month.
 * Needs `configure`: it is the planning view beside the retention editor, which needs it too, and
 * it holds only counts, no personal data.
 */
export async function forecastRetention(db: DbOrTx, principal: Principal, now: Date = new Date()) {
  const admin = authorizeAccount(principal, 'configure');
  const months = forecastMonths(now);
  const held = sql<boolean>`not ${recordingNotHeld()}`;
  const month = sql<string>`to_char((${recordings.storedAt} + make_interval(days => ${meetingTypes.retentionDays})) AT TIME ZONE 'UTC', 'YYYY-MM')`;

  const [types, groups] = await Promise.all([
    db
      .select({ id: meetingTypes.id, name: meetingTypes.name })
      .from(meetingTypes)
      .where(eq(meetingTypes.tenantId, admin.tenantId))
      .orderBy(asc(meetingTypes.name)),
    db
      .select({ meetingTypeId: meetingTypes.id, month, held, n: count() })
      .from(recordings)
      .innerJoin(calls, eq(calls.id, recordings.callId))
      .innerJoin(meetingTypes, eq(meetingTypes.id, calls.meetingTypeId))
      // Stored and not yet deleted: what the retention job will pick once its period ends.
      .where(and(eq(recordings.tenantId, admin.tenantId), inArray(recordings.stage, ['stored', 'done']), isNotNull(recordings.storedAt)))
      .groupBy(meetingTypes.id, month, held),
  ]);

  const series = new Map(types.map((type) => [type.id, { meetingType: type, counts: new Array<number>(MONTHS + 1).fill(0), held: 0 }]));
  for (const group of groups) {
    const entry = series.get(group.meetingTypeId);
    if (!entry) continue;
    if (group.held) {
      entry.held += group.n;
      continue;
    }
    // Strings of one fixed width compare as the months they name.
    const index = group.month < months[0]! ? 0 : months.indexOf(group.month);
    entry.counts[index === -1 ? MONTHS : index]! += group.n;
  }
  return { months: [...months, LATER], series: [...series.values()] };
}
