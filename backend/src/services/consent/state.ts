import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { calls, consentRecords } from '../../db/schema/index.js';

export type ConsentStatus = 'granted' | 'declined' | 'withdrawn' | 'pending';

/**
 * A call's consent state is never stored: it is the latest record per purpose. This is that
 * derivation, as a column of any query over `calls`; null before any record of the purpose.
 */
export function latestConsent(purpose: 'join' | 'recording'): SQL<Exclude<ConsentStatus, 'pending'> | null> {
  // Written out with its own alias: in a query over `calls` alone drizzle leaves columns
  // unqualified, and "id" inside the subquery would name the record's, not the call's.
  return sql<Exclude<ConsentStatus, 'pending'> | null>`(
    SELECT CASE WHEN cr.granted THEN 'granted' WHEN cr.event = 'withdrawal' THEN 'withdrawn' ELSE 'declined' END
    FROM ${consentRecords} cr
    WHERE cr.call_id = "calls"."id" AND cr.tenant_id = "calls"."tenant_id" AND cr.purpose = ${purpose}
    ORDER BY cr.at DESC LIMIT 1)`;
}

export async function consentState(db: DbOrTx, tenantId: string, callId: string): Promise<{ join: ConsentStatus; recording: ConsentStatus }> {
  const [row] = await db
    .select({ join: latestConsent('join'), recording: latestConsent('recording') })
    .from(calls)
    .where(and(eq(calls.id, callId), eq(calls.tenantId, tenantId)));
  return { join: row?.join ?? 'pending', recording: row?.recording ?? 'pending' };
}
