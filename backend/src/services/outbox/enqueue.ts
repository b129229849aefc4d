import type { PgInsertValue } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../../db/client.js';
import { outboxMessages } from '../../db/schema/index.js';
import type { OutboxKind, OutboxPayload } from '../../ports/outbox-delivery.js';

export interface OutboxMessage<K extends OutboxKind = OutboxKind> {
  tenantId: string;
  kind: K;
  idempotencyKey: string;
  payload: OutboxPayload<K>;
}

/**
 * The insert that queues a message (or several), not yet run: await it, or make it part of a
 * `writeTogether` statement (its values may be placeholders there). A repeated key is a no-op.
 */
export function outboxWrite(db: DbOrTx, messages: PgInsertValue<typeof outboxMessages> | PgInsertValue<typeof outboxMessages>[]) {
  return db
    .insert(outboxMessages)
    .values(Array.isArray(messages) ? messages : [messages])
    .onConflictDoNothing({ target: outboxMessages.idempotencyKey });
}

/**
 * Queues a message to a vendor inside the caller's transaction, so it exists if
 * and only if the change it reports committed. A repeated key is a no-op.
 */
export async function enqueueMessage<K extends OutboxKind>(tx: DbOrTx, message: OutboxMessage<K>): Promise<void> {
  await outboxWrite(tx, message);
}
