import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { outboxMessages } from '../../db/schema/index.js';
import type { ClaimedMessage } from './claim.js';
import { plusMs } from './clock.js';

export type Settlement =
  | { state: 'delivered'; vendorMessageId?: string }
  /** `throttled`: the vendor refused unprocessed (429), so the attempt is handed back to the budget. */
  | { state: 'retry'; error: string; delayMs: number; throttled: boolean }
  | { state: 'dead'; error: string };

/** Vendor errors can be long; the column is for an operator's eye, not a dump. */
const MAX_ERROR_LENGTH = 500;

function changesFor(message: ClaimedMessage, settlement: Settlement, at: SQL) {
  switch (settlement.state) {
    case 'delivered':
      // The note now lives in the vendor's system; a second copy of its text here
      // would be personal data kept for no purpose. The key row stays for dedupe.
      return { state: 'delivered' as const, deliveredAt: at, leasedUntil: null, payload: {}, vendorMessageId: settlement.vendorMessageId ?? null };
    case 'dead':
      return { state: 'dead' as const, leasedUntil: null, lastError: settlement.error.slice(0, MAX_ERROR_LENGTH) };
    case 'retry':
      // A throttled attempt leaves attempts and last_error as they were: both keep
      // meaning "attempts that may have reached the vendor", which the next delivery
      // relies on to decide whether to look for an earlier copy.
      return settlement.throttled
        ? { nextAttemptAt: plusMs(at, settlement.delayMs), leasedUntil: null, attempts: message.attempts - 1 }
        : { nextAttemptAt: plusMs(at, settlement.delayMs), leasedUntil: null, lastError: settlement.error.slice(0, MAX_ERROR_LENGTH) };
  }
}

/**
 * Records the outcome of an attempt, but only while the claim still holds: a worker
 * that outlived its lease (stalled, not dead) must not overwrite what the worker
 * that took over decided. Returns false when the lease was lost.
 */
export async function settleMessage(db: Db, message: ClaimedMessage, settlement: Settlement, at: SQL): Promise<boolean> {
  const stillOurs = and(
    eq(outboxMessages.id, message.id),
    eq(outboxMessages.state, 'pending'),
    eq(outboxMessages.attempts, message.attempts),
    sql`${outboxMessages.leasedUntil} = ${message.lease}::timestamptz`,
  );
  const updated = await db.update(outboxMessages).set(changesFor(message, settlement, at)).where(stillOurs).returning({ id: outboxMessages.id });
  return updated.length === 1;
}
