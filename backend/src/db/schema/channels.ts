import { jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { id, tenantScoped, timestamps } from './columns.js';

/** Teams conversation references captured when the bot is added to a chat; needed for proactive messages. */
export const teamsConversations = pgTable(
  'teams_conversations',
  {
    ...id,
    ...tenantScoped,
    conversationId: text().notNull(),
    serviceUrl: text().notNull(),
    reference: jsonb().notNull(),
    ...timestamps,
  },
  (t) => [uniqueIndex('teams_conversations_tenant_conv_uq').on(t.tenantId, t.conversationId)],
);

/** Webhook event ids already handled: vendors redeliver, we act once. */
export const processedWebhookEvents = pgTable(
  'processed_webhook_events',
  {
    source: text().notNull(),
    eventId: text().notNull(),
    receivedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.source, t.eventId] })],
);
