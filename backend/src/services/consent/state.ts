import { and, desc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { consentRecords } from '../../db/schema/index.js';

export type ConsentStatus = 'granted' | 'declined' | 'withdrawn' | 'pending';

/** A call's consent state is never stored: it is the latest record per purpose. */
export async function consentState(db: DbOrTx, tenantId: string, callId: string): Promise<{ join: ConsentStatus; recording: ConsentStatus }> {
  const rows = await db
    .select({ purpose: consentRecords.purpose, event: consentRecords.event, granted: consentRecords.granted })
    .from(consentRecords)
    .where(and(eq(consentRecords.tenantId, tenantId), eq(consentRecords.callId, callId)))
    .orderBy(desc(consentRecords.at));
  const latest = (purpose: 'join' | 'recording'): ConsentStatus => {
    const row = rows.find((r) => r.purpose === purpose);
    if (!row) return 'pending';
    if (row.granted) return 'granted';
    return row.event === 'withdrawal' ? 'withdrawn' : 'declined';
  };
  return { join: latest('join'), recording: latest('recording') };
}
