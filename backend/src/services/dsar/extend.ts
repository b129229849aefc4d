import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { dsarRequests } from '../../db/schema/index.js';
import { ConflictError } from '../../errors.js';
import { authorizeAccount } from '../access/policy.js';
import { recordAudit } from '../audit/record.js';
import type { Principal } from '../principal.js';
import { dsarNotFound } from './get.js';
import { dsarView, isOpen, OPEN_STATES } from './view.js';

export const extendDsarInput = z
  .object({
    /** Art. 12(3): by up to two further months. */
    months: z.union([z.literal(1), z.literal(2)]),
    /** Why: the complexity or number of requests (shown to the requester; no personal data). */
    reason: z.string().trim().min(10).max(500),
    /** Whether the requester has been told of the extension and its reasons; they must be, before the original due date. */
    requesterInformed: z.boolean(),
  })
  .strict();

/** `months` calendar months later, the day clamped to the target month's last (31 Jan + 1 → 28/29 Feb). */
export function addMonths(date: Date, months: number): Date {
  const target = new Date(date);
  const day = target.getUTCDate();
  target.setUTCDate(1);
  target.setUTCMonth(target.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return target;
}

/**
 * Extends the deadline once, by one or two months, with a reason, and only while the first month
 * runs (the requester must hear of it within that month). The outcome records what the requester
 * must be told and whether they were.
 */
export async function extendDsarRequest(deps: { db: Db; now?: () => Date }, principal: Principal, requestId: string, input: z.infer<typeof extendDsarInput>) {
  const dpo = authorizeAccount(principal, 'handle_dsar');
  const now = deps.now?.() ?? new Date();
  const row = await deps.db.transaction(async (tx) => {
    const [current] = await tx
      .select()
      .from(dsarRequests)
      .where(and(eq(dsarRequests.id, requestId), eq(dsarRequests.tenantId, dpo.tenantId)))
      .for('update');
    if (!current) throw dsarNotFound();
    if (!isOpen(current.state)) throw new ConflictError('DSAR_CLOSED', 'This request is already answered; it cannot be extended.');
    if (current.extensionReason !== null) throw new ConflictError('DSAR_ALREADY_EXTENDED', 'This request was extended once already; Art. 12(3) allows one extension.');
    if (now.getTime() > current.dueAt.getTime()) {
      throw new ConflictError('DSAR_EXTENSION_TOO_LATE', 'The deadline has passed; an extension must be made, and the requester told, before it.');
    }
    const dueAt = addMonths(current.dueAt, input.months);
    const extension = {
      extendedAt: now.toISOString(),
      previousDueAt: current.dueAt.toISOString(),
      dueAt: dueAt.toISOString(),
      months: input.months,
      reason: input.reason,
      requesterInformed: input.requesterInformed,
      // Art. 12(3): the requester is told of the extension and why, within the first month.
      requesterMustBeToldBy: current.dueAt.toISOString(),
    };
    const [updated] = await tx
      .update(dsarRequests)
      .set({
        dueAt,
        extensionReason: input.reason,
        outcome: sql`coalesce(${dsarRequests.outcome}, '{}'::jsonb) || ${JSON.stringify({ extension })}::jsonb`,
        updatedAt: now,
      })
      .where(and(eq(dsarRequests.id, requestId), isNull(dsarRequests.extensionReason), inArray(dsarRequests.state, [...OPEN_STATES])))
      .returning();
    await recordAudit(tx, {
      tenantId: dpo.tenantId,
      actor: dpo,
      action: 'dsar.extended',
      subjectType: 'dsar_request',
      subjectId: requestId,
      details: { previousDueAt: extension.previousDueAt, dueAt: extension.dueAt, months: input.months, requesterInformed: input.requesterInformed },
    });
    return updated!;
  });
  return dsarView(row, now);
}
