import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { outboxMessages } from '../../db/schema/index.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import { recordAudit } from '../audit/record.js';
import type { Principal } from '../principal.js';
import { authorizeAccount } from '../access/policy.js';

const messageIdSchema = z.uuid();

/**
 * Puts a dead-lettered message back in the queue with a fresh attempt budget.
 * last_error is kept: it tells the next delivery that an earlier attempt may have
 * reached the vendor, so the deliverer checks before sending again.
 */
export async function retryDeadMessage(db: Db, principal: Principal, messageId: string): Promise<{ id: string; state: 'pending' }> {
  const notFound = () => new NotFoundError('OUTBOX_MESSAGE_NOT_FOUND', 'No such undelivered message.');
  if (!messageIdSchema.safeParse(messageId).success) throw notFound();
  return db.transaction(async (tx) => {
    const admin = authorizeAccount(principal, 'configure');
    const [message] = await tx
      .select({ state: outboxMessages.state, kind: outboxMessages.kind, attempts: outboxMessages.attempts })
      .from(outboxMessages)
      .where(and(eq(outboxMessages.id, messageId), eq(outboxMessages.tenantId, admin.tenantId)))
      .for('update');
    if (!message) throw notFound();
    if (message.state !== 'dead') throw new ConflictError('OUTBOX_MESSAGE_NOT_DEAD', `The message is ${message.state}, not dead-lettered.`);
    await tx
      .update(outboxMessages)
      .set({ state: 'pending', attempts: 0, nextAttemptAt: sql`now()`, leasedUntil: null })
      .where(eq(outboxMessages.id, messageId));
    await recordAudit(tx, {
      tenantId: admin.tenantId,
      actor: admin,
      action: 'outbox.message_retried',
      subjectType: 'outbox_message',
      subjectId: messageId,
      details: { kind: message.kind, previousAttempts: message.attempts },
    });
    return { id: messageId, state: 'pending' as const };
  });
}
