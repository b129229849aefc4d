import { and, asc, eq, inArray, isNotNull, isNull, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { dsarRequests } from '../../db/schema/index.js';
import { ownerIsGone } from '../recordings/claim.js';
import type { DsarRequestRow } from './job.js';

/**
 * Requests with work to do at `now`: new or interrupted ones, and lawful refusals whose reason
 * (a retention period) has run out and which are to be worked again.
 */
function dueCondition(now: Date) {
  return and(
    lte(dsarRequests.nextAttemptAt, now),
    or(
      inArray(dsarRequests.state, ['received', 'in_progress']),
      and(inArray(dsarRequests.state, ['refused', 'partially_refused']), isNotNull(sql`${dsarRequests.outcome}->>'retryAt'`)),
    ),
  );
}

export async function findDueDsarRequests(db: Db, now: Date, limit = 20): Promise<string[]> {
  const rows = await db.select({ id: dsarRequests.id }).from(dsarRequests).where(dueCondition(now)).orderBy(asc(dsarRequests.dueAt)).limit(limit);
  return rows.map((r) => r.id);
}

/**
 * Takes the request for `leaseMs` if it is due and nobody live holds it. The update is conditional
 * on the lease and state as they were read, so of two instances racing for one request exactly one
 * wins; a holder that died (lease run out, or its process gone on this host) loses it.
 */
export async function claimDsarRequest(db: Db, requestId: string, owner: string, leaseMs: number, now: Date): Promise<DsarRequestRow | null> {
  const [seen] = await db.select().from(dsarRequests).where(and(eq(dsarRequests.id, requestId), dueCondition(now)));
  if (!seen) return null;
  // A live lease of this owner is not free either: it means this worker is working the request now.
  const leaseFree = !seen.leaseOwner || !seen.leaseExpiresAt || seen.leaseExpiresAt <= now || ownerIsGone(seen.leaseOwner);
  if (!leaseFree) return null;
  const [claimed] = await db
    .update(dsarRequests)
    .set({ leaseOwner: owner, leaseExpiresAt: new Date(now.getTime() + leaseMs) })
    .where(
      and(
        eq(dsarRequests.id, requestId),
        seen.leaseOwner ? eq(dsarRequests.leaseOwner, seen.leaseOwner) : isNull(dsarRequests.leaseOwner),
        eq(dsarRequests.state, seen.state),
      ),
    )
    .returning();
  return claimed ?? null;
}

/** Extends the lease; false when another instance has taken the request meanwhile. */
export async function renewDsarLease(db: Db, requestId: string, owner: string, leaseMs: number, now: Date): Promise<boolean> {
  const rows = await db
    .update(dsarRequests)
    .set({ leaseExpiresAt: new Date(now.getTime() + leaseMs) })
    .where(and(eq(dsarRequests.id, requestId), eq(dsarRequests.leaseOwner, owner)))
    .returning({ id: dsarRequests.id });
  return rows.length === 1;
}

export async function releaseDsarLease(db: Db, requestId: string, owner: string): Promise<void> {
  await db.update(dsarRequests).set({ leaseOwner: null, leaseExpiresAt: null }).where(and(eq(dsarRequests.id, requestId), eq(dsarRequests.leaseOwner, owner)));
}
