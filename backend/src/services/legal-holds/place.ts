import { and, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { cases, customers, legalHolds, recordings } from '../../db/schema/index.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import { authorizeAccount } from '../access/policy.js';
import { recordAudit } from '../audit/record.js';
import type { Principal } from '../principal.js';
import { lockCustomerData } from './active.js';

export const placeHoldInput = z.object({
  targetType: z.enum(['case', 'customer', 'recording']),
  targetId: z.uuid(),
  /** A matter or case number, not a description of the person. */
  reference: z.string().trim().min(2).max(100).regex(/^[\p{L}\p{N} ._\/#-]+$/u, 'letters, digits, spaces and . _ / # - only'),
});

const targetTables = { case: cases, customer: customers, recording: recordings } as const;

/** Places a legal hold: from now on nothing it covers is deleted, by retention, erasure or by hand. */
export async function placeLegalHold(db: Db, principal: Principal, input: z.infer<typeof placeHoldInput>) {
  const user = authorizeAccount(principal, 'place_legal_hold');
  return db.transaction(async (tx) => {
    const table = targetTables[input.targetType];
    const customerOf = input.targetType === 'customer' ? customers.id : input.targetType === 'case' ? cases.customerId : recordings.customerId;
    const [target] = await tx
      .select({ id: table.id, customerId: customerOf })
      .from(table)
      .where(and(eq(table.id, input.targetId), eq(table.tenantId, user.tenantId)));
    if (!target) throw new NotFoundError('HOLD_TARGET_NOT_FOUND', `No such ${input.targetType} in this account.`);
    // A deletion of this customer's data under way finishes first, or waits and then sees the hold.
    await lockCustomerData(tx, user.tenantId, target.customerId);
    const [existing] = await tx
      .select({ id: legalHolds.id })
      .from(legalHolds)
      .where(and(eq(legalHolds.tenantId, user.tenantId), eq(legalHolds.targetType, input.targetType), eq(legalHolds.targetId, input.targetId), isNull(legalHolds.releasedAt)));
    if (existing) throw new ConflictError('ALREADY_HELD', `This ${input.targetType} is already under legal hold.`);
    const [hold] = await tx
      .insert(legalHolds)
      .values({ tenantId: user.tenantId, targetType: input.targetType, targetId: input.targetId, reference: input.reference, placedBy: user.agentId })
      .returning();
    await recordAudit(tx, {
      tenantId: user.tenantId,
      actor: user,
      action: 'legal_hold.placed',
      subjectType: input.targetType,
      subjectId: input.targetId,
      details: { holdId: hold!.id, reference: input.reference },
    });
    return holdView(hold!);
  });
}

/** Releases a hold; what it covered is deleted by the next retention run if its time has come. */
export async function releaseLegalHold(db: Db, principal: Principal, holdId: string) {
  const user = authorizeAccount(principal, 'place_legal_hold');
  return db.transaction(async (tx) => {
    const [hold] = await tx
      .update(legalHolds)
      .set({ releasedAt: new Date(), releasedBy: user.agentId })
      .where(and(eq(legalHolds.id, holdId), eq(legalHolds.tenantId, user.tenantId), isNull(legalHolds.releasedAt)))
      .returning();
    if (!hold) throw new NotFoundError('HOLD_NOT_FOUND', 'No such legal hold in place.');
    await recordAudit(tx, {
      tenantId: user.tenantId,
      actor: user,
      action: 'legal_hold.released',
      subjectType: hold.targetType,
      subjectId: hold.targetId,
      details: { holdId: hold.id, reference: hold.reference },
    });
    return holdView(hold);
  });
}

/** The holds in place in this account. */
export async function listLegalHolds(db: Db, principal: Principal) {
  const user = authorizeAccount(principal, 'place_legal_hold');
  const rows = await db.select().from(legalHolds).where(and(eq(legalHolds.tenantId, user.tenantId), isNull(legalHolds.releasedAt)));
  return rows.map(holdView);
}

function holdView(hold: typeof legalHolds.$inferSelect) {
  return {
    id: hold.id,
    targetType: hold.targetType,
    targetId: hold.targetId,
    reference: hold.reference,
    placedAt: hold.placedAt.toISOString(),
    releasedAt: hold.releasedAt?.toISOString() ?? null,
  };
}
