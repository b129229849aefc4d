import { pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { id, tenantScoped, timestamps } from './columns.js';
import { hostKind } from './installations.js';

/** The data subject. Personal fields live here and nowhere else (not in logs, not in Janus). */
export const customers = pgTable('customers', {
  ...id,
  ...tenantScoped,
  displayName: text(),
  email: text(),
  locale: text(),
  /** Set when the data subject was erased (Art. 17): personal fields are blanked and their key destroyed. */
  erasedAt: timestamp({ withTimezone: true }),
  ...timestamps,
});

/** How each host refers to the customer (Zendesk requester id, Teams user id). */
export const customerRefs = pgTable(
  'customer_refs',
  {
    ...id,
    ...tenantScoped,
    customerId: uuid()
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    host: hostKind().notNull(),
    externalId: text().notNull(),
    ...timestamps,
  },
  (t) => [uniqueIndex('customer_refs_tenant_host_ext_uq').on(t.tenantId, t.host, t.externalId)],
);
