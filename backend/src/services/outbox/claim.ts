import { and, asc, eq, inArray, isNull, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { outboxMessages } from '../../db/schema/index.js';
import { plusMs } from './clock.js';

export interface ClaimedMessage {
  id: string;
  tenantId: string;
  kind: string;
  idempotencyKey: string;
  payload: unknown;
  /** Attempts including the one this claim starts. */
  attempts: number;
  lastError: string | null;
  /** The lease as the database wrote it (full precision): the fencing token for settling. */
  lease: string;
}

/**
 * Claims up to `batchSize` due messages of the given kinds and leases them, in one
 * statement. FOR UPDATE SKIP LOCKED lets concurrent claimers pass over each other's
 * rows instead of queueing; a row another claimer committed meanwhile is re-checked
 * against the lease condition, so no message is handed out twice.
 *
 * The claim counts the attempt before anything is sent: if this process dies
 * mid-request, the next claimer sees attempts > 0 and knows the vendor may already
 * have the message.
 */
export async function claimDueMessages(db: Db, options: { kinds: string[]; batchSize: number; leaseMs: number; at: SQL }): Promise<ClaimedMessage[]> {
  if (options.kinds.length === 0 || options.batchSize <= 0) return [];
  const { at } = options;
  const due = db
    .select({ id: outboxMessages.id })
    .from(outboxMessages)
    .where(
      and(
        eq(outboxMessages.state, 'pending'),
        inArray(outboxMessages.kind, options.kinds),
        lte(outboxMessages.nextAttemptAt, at),
        or(isNull(outboxMessages.leasedUntil), lt(outboxMessages.leasedUntil, at)),
      ),
    )
    .orderBy(asc(outboxMessages.nextAttemptAt))
    .limit(options.batchSize)
    .for('update', { skipLocked: true });

  return db
    .update(outboxMessages)
    .set({ attempts: sql`${outboxMessages.attempts} + 1`, leasedUntil: plusMs(at, options.leaseMs) })
    .where(inArray(outboxMessages.id, due))
    .returning({
      id: outboxMessages.id,
      tenantId: outboxMessages.tenantId,
      kind: outboxMessages.kind,
      idempotencyKey: outboxMessages.idempotencyKey,
      payload: outboxMessages.payload,
      attempts: outboxMessages.attempts,
      lastError: outboxMessages.lastError,
      lease: sql<string>`${outboxMessages.leasedUntil}::text`,
    });
}
