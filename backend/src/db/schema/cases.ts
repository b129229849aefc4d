import { pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { id, tenantScoped, timestamps } from './columns.js';
import { customers } from './customers.js';
import { hostKind } from './installations.js';

/** A Zendesk ticket or Teams chat the call was escalated from. */
export const cases = pgTable(
  'cases',
  {
    ...id,
    ...tenantScoped,
    host: hostKind().notNull(),
    externalId: text().notNull(),
    customerId: uuid()
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    ...timestamps,
  },
  (t) => [uniqueIndex('cases_tenant_host_ext_uq').on(t.tenantId, t.host, t.externalId)],
);
