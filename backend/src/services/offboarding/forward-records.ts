import { and, asc, eq, lte } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import type { Logger } from '../../logger.js';
import { offboardedTenants } from '../../db/schema/index.js';
import type { AuditForwardPayload, OutboxDeliverer } from '../../ports/outbox-delivery.js';
import { retryDelayMs, type BackoffPolicy } from '../outbox/backoff.js';

const DEFAULT_BACKOFF: BackoffPolicy = { baseDelayMs: 5_000, maxDelayMs: 15 * 60_000 };

/**
 * Sends the closing audit event of each deleted account to the audit sink. The outbox cannot carry
 * it (its rows belong to a tenant, and the tenant is gone), so the record in `offboarded_tenants`
 * is its own queue: delivered at least once, with the `audit:<id>` idempotency key every event
 * has, retried with the outbox's backoff, set aside as `rejected` when the sink refuses it for
 * good. Several instances may run this: a record is claimed by a conditional update.
 */
export async function forwardOffboardingRecords(
  db: Db,
  sink: OutboxDeliverer<'audit.event'>,
  options: { now?: Date; backoff?: BackoffPolicy; logger?: Logger } = {},
): Promise<number> {
  const now = options.now ?? new Date();
  const due = await db
    .select()
    .from(offboardedTenants)
    .where(and(eq(offboardedTenants.forwardState, 'pending'), lte(offboardedTenants.forwardNextAt, now)))
    .orderBy(asc(offboardedTenants.forwardNextAt))
    .limit(20);
  let delivered = 0;
  for (const record of due) {
    const attempts = record.forwardAttempts + 1;
    // Leased for a minute from the claim itself (earlier deliveries of this batch may have been
    // slow): another instance passes over it meanwhile.
    const claimedAt = options.now ?? new Date();
    const [claimed] = await db
      .update(offboardedTenants)
      .set({ forwardAttempts: attempts, forwardNextAt: new Date(claimedAt.getTime() + 60_000) })
      .where(and(eq(offboardedTenants.id, record.id), eq(offboardedTenants.forwardAttempts, record.forwardAttempts), eq(offboardedTenants.forwardState, 'pending')))
      .returning({ id: offboardedTenants.id });
    if (!claimed) continue;
    const payload = record.finalEvent as unknown as AuditForwardPayload;
    const result = await sink
      .deliver({ id: record.id, tenantId: record.tenantId, kind: 'audit.event', idempotencyKey: `audit:${payload.id}`, payload, attempts: record.forwardAttempts })
      .catch((error: unknown) => ({ outcome: 'retry' as const, error: error instanceof Error ? error.name : 'unknown error', retryAfterMs: undefined }));
    // Only this claim's outcome is written: a late answer cannot overwrite a later claim's, nor a delivery.
    const ours = and(eq(offboardedTenants.id, record.id), eq(offboardedTenants.forwardAttempts, attempts), eq(offboardedTenants.forwardState, 'pending'));
    if (result.outcome === 'delivered') {
      await db.update(offboardedTenants).set({ forwardState: 'delivered', forwardedAt: new Date(), forwardError: null }).where(ours);
      delivered += 1;
      continue;
    }
    const wait = result.outcome === 'retry' ? retryDelayMs(options.backoff ?? DEFAULT_BACKOFF, attempts, result.retryAfterMs) : 0;
    await db
      .update(offboardedTenants)
      .set({
        forwardState: result.outcome === 'rejected' ? 'rejected' : 'pending',
        forwardError: result.error.slice(0, 500),
        forwardNextAt: new Date(Date.now() + wait),
      })
      .where(ours);
    options.logger?.warn(
      { offboardingRecord: record.id, attempts, outcome: result.outcome, error: result.error.slice(0, 200) },
      result.outcome === 'rejected' ? 'the audit sink refused an account’s closing event for good' : 'the audit sink did not take an account’s closing event; will retry',
    );
  }
  return delivered;
}
