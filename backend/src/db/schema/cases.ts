import { pgEnum, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { id, tenantScoped, timestamps } from './columns.js';
import { clients } from './access.js';
import { customers } from './customers.js';
import { hostKind } from './installations.js';

/** How the customer is reached: the consent link travels this way. */
export const customerChannel = pgEnum('customer_channel', ['zendesk_ticket', 'zendesk_messaging', 'teams_chat', 'web']);

/** A Zendesk ticket or Teams chat the call was escalated from. */
export const cases = pgTable(
  'cases',
  {
    ...id,
    ...tenantScoped,
    host: hostKind().notNull(),
    externalId: text().notNull(),
    channel: customerChannel().notNull().default('zendesk_ticket'),
    /** Sunshine Conversations or Teams conversation id, for chat channels. */
    conversationId: text(),
    customerId: uuid()
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    /** The client (Zendesk organization, brand or group; Teams team) the case belongs to, if any. */
    clientId: uuid().references(() => clients.id, { onDelete: 'set null' }),
    ...timestamps,
  },
  (t) => [uniqueIndex('cases_tenant_host_ext_uq').on(t.tenantId, t.host, t.externalId)],
);
