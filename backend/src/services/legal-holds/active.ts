import { and, eq, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { customers, legalHolds, recordings } from '../../db/schema/index.js';

/** What a hold can name: a recording, the case it belongs to, or its customer. */
export interface HoldScope {
  tenantId: string;
  recordingId?: string | null;
  caseId?: string | null;
  customerId?: string | null;
}

/**
 * The legal holds in place over anything in `scope`. Deletion of any kind (retention, erasure,
 * early deletion) asks this first and keeps what is held.
 */
export async function activeHolds(db: DbOrTx, scope: HoldScope) {
  const targets: SQL[] = [];
  if (scope.recordingId) targets.push(and(eq(legalHolds.targetType, 'recording'), eq(legalHolds.targetId, scope.recordingId))!);
  if (scope.caseId) targets.push(and(eq(legalHolds.targetType, 'case'), eq(legalHolds.targetId, scope.caseId))!);
  if (scope.customerId) targets.push(and(eq(legalHolds.targetType, 'customer'), eq(legalHolds.targetId, scope.customerId))!);
  if (targets.length === 0) return [];
  return db
    .select({ id: legalHolds.id, targetType: legalHolds.targetType, targetId: legalHolds.targetId, reference: legalHolds.reference, placedAt: legalHolds.placedAt })
    .from(legalHolds)
    .where(and(eq(legalHolds.tenantId, scope.tenantId), isNull(legalHolds.releasedAt), or(...targets)));
}

/**
 * A condition for queries over recordings: true when no hold is in place over the recording, its
 * case or its customer. Deletion queries add it, so held recordings are never even picked.
 */
export function recordingNotHeld(): SQL {
  return sql`not exists (
    select 1 from ${legalHolds}
    where ${legalHolds.tenantId} = ${recordings.tenantId}
      and ${legalHolds.releasedAt} is null
      and ((${legalHolds.targetType} = 'recording' and ${legalHolds.targetId} = ${recordings.id})
        or (${legalHolds.targetType} = 'case' and ${legalHolds.targetId} = ${recordings.caseId})
        or (${legalHolds.targetType} = 'customer' and ${legalHolds.targetId} = ${recordings.customerId})))`;
}

/**
 * Takes the customer's row lock. Placing a hold on anything of a customer and deleting anything
 * of theirs both take it first, and a deletion checks for holds only after it has the lock: a
 * hold placed while a retention run or an erasure is under way is then seen, never overtaken.
 */
export async function lockCustomerData(tx: DbOrTx, tenantId: string, customerId: string): Promise<void> {
  await tx
    .select({ id: customers.id })
    .from(customers)
    .where(and(eq(customers.id, customerId), eq(customers.tenantId, tenantId)))
    .for('update');
}
