import { sql } from 'drizzle-orm';
import { boolean, jsonb, pgEnum, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { agents } from './agents.js';
import { id, tenantScoped, timestamps } from './columns.js';

/** What a role may do, per action: on every meeting type, or on the listed ones. */
export type RoleGrants = Partial<Record<string, 'all' | string[]>>;

/**
 * A role: the four built-in ones every tenant gets (admin, supervisor, agent, dpo) and any
 * custom ones an admin defines. `allClients` roles see every client's data; the others only
 * the clients their user is assigned to.
 */
export const roles = pgTable(
  'roles',
  {
    ...id,
    ...tenantScoped,
    name: text().notNull(),
    builtIn: boolean().notNull().default(false),
    allClients: boolean().notNull().default(false),
    grants: jsonb().$type<RoleGrants>().notNull().default({}),
    ...timestamps,
  },
  (t) => [uniqueIndex('roles_tenant_name_uq').on(t.tenantId, t.name)],
);

export const clientKind = pgEnum('client_kind', ['zendesk_organization', 'zendesk_brand', 'zendesk_group', 'teams_team']);

/** A client of the contact centre, as the host knows it. Cases of a client are visible only to its users. */
export const clients = pgTable(
  'clients',
  {
    ...id,
    ...tenantScoped,
    kind: clientKind().notNull(),
    externalId: text().notNull(),
    name: text(),
    ...timestamps,
  },
  (t) => [uniqueIndex('clients_tenant_kind_ext_uq').on(t.tenantId, t.kind, t.externalId)],
);

/** Where an assignment came from, so a fresh sign-in or SCIM sync replaces only its own rows. */
export const assignmentSource = pgEnum('assignment_source', ['host', 'admin']);

export const agentRoles = pgTable(
  'agent_roles',
  {
    agentId: uuid()
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
    roleId: uuid()
      .notNull()
      .references(() => roles.id, { onDelete: 'cascade' }),
    source: assignmentSource().notNull(),
  },
  (t) => [primaryKey({ columns: [t.agentId, t.roleId, t.source] })],
);

export const agentClients = pgTable(
  'agent_clients',
  {
    agentId: uuid()
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
    clientId: uuid()
      .notNull()
      .references(() => clients.id, { onDelete: 'cascade' }),
    source: assignmentSource().notNull(),
  },
  (t) => [primaryKey({ columns: [t.agentId, t.clientId, t.source] })],
);

/** A group from the identity provider (SCIM). Its members get its roles and clients. */
export const userGroups = pgTable(
  'user_groups',
  {
    ...id,
    ...tenantScoped,
    displayName: text().notNull(),
    externalId: text(),
    roleIds: uuid().array().notNull().default([]),
    clientIds: uuid().array().notNull().default([]),
    ...timestamps,
  },
  (t) => [uniqueIndex('user_groups_tenant_name_uq').on(t.tenantId, sql`lower(${t.displayName})`)],
);

export const userGroupMembers = pgTable(
  'user_group_members',
  {
    groupId: uuid()
      .notNull()
      .references(() => userGroups.id, { onDelete: 'cascade' }),
    agentId: uuid()
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.agentId] })],
);
