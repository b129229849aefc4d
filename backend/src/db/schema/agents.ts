import { pgEnum, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { id, tenantScoped, timestamps } from './columns.js';
import { hostKind } from './installations.js';

export const agentRole = pgEnum('agent_role', ['admin', 'agent']);

export const agents = pgTable(
  'agents',
  {
    ...id,
    ...tenantScoped,
    host: hostKind().notNull(),
    externalUserId: text().notNull(),
    displayName: text().notNull(),
    role: agentRole().notNull().default('agent'),
    ...timestamps,
  },
  (t) => [uniqueIndex('agents_tenant_host_user_uq').on(t.tenantId, t.host, t.externalUserId)],
);
