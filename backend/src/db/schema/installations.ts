import { pgEnum, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { id, tenantScoped, timestamps } from './columns.js';

export const hostKind = pgEnum('host_kind', ['zendesk', 'teams']);

/** A Zendesk account or Teams tenant that installed Parley; maps the host's account to our tenant. */
export const installations = pgTable(
  'installations',
  {
    ...id,
    ...tenantScoped,
    host: hostKind().notNull(),
    externalAccountId: text().notNull(),
    ...timestamps,
  },
  (t) => [uniqueIndex('installations_host_account_uq').on(t.host, t.externalAccountId)],
);
