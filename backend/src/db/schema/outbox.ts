import { integer, jsonb, pgEnum, pgTable, text, timestamp, index } from 'drizzle-orm/pg-core';
import { id, tenantScoped } from './columns.js';

export const outboxState = pgEnum('outbox_state', ['pending', 'delivered', 'dead']);

/**
 * Messages to vendors (ticket notes, chat messages, cards), written in the same
 * transaction as the change they report and delivered later by a worker.
 */
export const outboxMessages = pgTable(
  'outbox_messages',
  {
    ...id,
    ...tenantScoped,
    /** Which adapter delivers it, e.g. "zendesk.ticket_comment". */
    kind: text().notNull(),
    /** Unique per logical message: a note is never written twice. */
    idempotencyKey: text().notNull().unique(),
    payload: jsonb().notNull(),
    state: outboxState().notNull().default('pending'),
    attempts: integer().notNull().default(0),
    nextAttemptAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** A worker holds the message until then; a crashed worker's lease runs out. */
    leasedUntil: timestamp({ withTimezone: true }),
    lastError: text(),
    deliveredAt: timestamp({ withTimezone: true }),
    /** The id the vendor gave the delivered message (a Teams activity id), so an erasure can replace it. */
    vendorMessageId: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('outbox_due_idx').on(t.state, t.nextAttemptAt)],
);
