import type { DbOrTx } from '../../db/client.js';
import { outboxMessages } from '../../db/schema/index.js';
import type { OutboxKind, OutboxPayload } from '../../ports/outbox-delivery.js';

/**
 * Queues a message to a vendor inside the caller's transaction, so it exists if
 * and only if the change it reports committed. A repeated key is a no-op.
 */
export async function enqueueMessage<K extends OutboxKind>(
  tx: DbOrTx,
  message: { tenantId: string; kind: K; idempotencyKey: string; payload: OutboxPayload<K> },
): Promise<void> {
  await tx.insert(outboxMessages).values(message).onConflictDoNothing({ target: outboxMessages.idempotencyKey });
}
