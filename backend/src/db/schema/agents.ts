import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { id, tenantScoped, timestamps } from './columns.js';
import { hostKind } from './installations.js';

/**
 * A person who works in Parley (agent, supervisor, admin, DPO). Created on the first verified
 * sign-in from a host, or provisioned ahead of time over SCIM. Roles and clients live in
 * `access.ts`; what they may do is decided by `services/access/policy.ts`.
 */
export const agents = pgTable(
  'agents',
  {
    ...id,
    ...tenantScoped,
    host: hostKind().notNull(),
    /** Zendesk user id, or the Entra object id (`oid`) for Teams and SCIM-provisioned users. */
    externalUserId: text().notNull(),
    displayName: text().notNull(),
    /** The identity provider's sign-in name (SCIM `userName`, SAML NameID). */
    userName: text(),
    /** Deactivated users (SCIM `active: false`) cannot sign in and lose their sessions at once. */
    active: boolean().notNull().default(true),
    /** Bumped to end every session of this user at once; session tokens carry the epoch they were issued in. */
    sessionEpoch: integer().notNull().default(0),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('agents_tenant_host_user_uq').on(t.tenantId, t.host, t.externalUserId),
    // Identity providers treat sign-in names case-insensitively; so does the index.
    uniqueIndex('agents_tenant_username_uq').on(t.tenantId, sql`lower(${t.userName})`),
    // The console's people list: by name, a page at a time.
    index('agents_tenant_name_idx').on(t.tenantId, t.displayName, t.id),
  ],
);
