import { and, desc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { outboxMessages } from '../../db/schema/index.js';
import type { Principal } from '../principal.js';
import { authorizeAccount } from '../access/policy.js';

export interface DeadMessage {
  id: string;
  kind: string;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
}

/**
 * A tenant's dead-lettered messages, newest first. The payload stays out: it holds
 * note text that may name a person, and an admin needs only enough to decide on a
 * replay.
 */
export async function listDeadMessages(db: DbOrTx, principal: Principal, options: { limit?: number } = {}): Promise<DeadMessage[]> {
  authorizeAccount(principal, 'configure');
  const limit = Math.min(Math.max(Math.trunc(options.limit ?? 100), 1), 500);
  return db
    .select({
      id: outboxMessages.id,
      kind: outboxMessages.kind,
      attempts: outboxMessages.attempts,
      lastError: outboxMessages.lastError,
      createdAt: outboxMessages.createdAt,
    })
    .from(outboxMessages)
    .where(and(eq(outboxMessages.tenantId, principal.tenantId), eq(outboxMessages.state, 'dead')))
    .orderBy(desc(outboxMessages.createdAt), desc(outboxMessages.id))
    .limit(limit);
}
