import { sql, type Placeholder } from 'drizzle-orm';
import type { PgInsertValue } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../../db/client.js';
import { outboxMessages } from '../../db/schema/index.js';
import { rawWrite } from '../../db/write-together.js';
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
 * `outboxWrite` for a `writeTogether` statement whose number of messages varies (none, one or
 * several, by channel) while its text stays the same, so it can be prepared once: the messages
 * are one JSON array of `{ kind, idempotency_key, payload }`, all of one tenant.
 */
export function outboxWriteFromJson(tenantId: Placeholder, messages: Placeholder) {
  return rawWrite(
    sql`INSERT INTO ${outboxMessages} (tenant_id, kind, idempotency_key, payload)
      SELECT ${tenantId}::uuid, m.kind, m.idempotency_key, m.payload
      FROM jsonb_to_recordset(${messages}::jsonb) AS m(kind text, idempotency_key text, payload jsonb)
      ON CONFLICT (idempotency_key) DO NOTHING
      RETURNING id`,
    { returning: true },
  );
}

/**
 * Queues a message to a vendor inside the caller's transaction, so it exists if
 * and only if the change it reports committed. A repeated key is a no-op.
 */
export async function enqueueMessage<K extends OutboxKind>(tx: DbOrTx, message: OutboxMessage<K>): Promise<void> {
  await outboxWrite(tx, message);
}
