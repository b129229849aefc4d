import { asc, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { agentClients, agentRoles, agents, clients, roles } from '../../db/schema/index.js';
import { authorizeAccount } from '../access/policy.js';
import type { Principal } from '../principal.js';

/** The account's users with their directly assigned roles and clients, and where each came from. */
export async function listUsers(db: DbOrTx, principal: Principal) {
  const admin = authorizeAccount(principal, 'configure');
  const people = await db
    .select({ id: agents.id, name: agents.displayName, host: agents.host, active: agents.active })
    .from(agents)
    .where(eq(agents.tenantId, admin.tenantId))
    .orderBy(asc(agents.displayName));
  const ids = people.map((p) => p.id);
  const [roleRows, clientRows] = ids.length
    ? await Promise.all([
        db.select({ agentId: agentRoles.agentId, name: roles.name, source: agentRoles.source }).from(agentRoles).innerJoin(roles, eq(roles.id, agentRoles.roleId)).where(inArray(agentRoles.agentId, ids)),
        db
          .select({ agentId: agentClients.agentId, kind: clients.kind, externalId: clients.externalId, name: clients.name, source: agentClients.source })
          .from(agentClients)
          .innerJoin(clients, eq(clients.id, agentClients.clientId))
          .where(inArray(agentClients.agentId, ids)),
      ])
    : [[], []];
  return people.map((p) => ({
    ...p,
    roles: roleRows.filter((r) => r.agentId === p.id).map(({ name, source }) => ({ name, source })),
    clients: clientRows.filter((c) => c.agentId === p.id).map(({ kind, externalId, name, source }) => ({ kind, externalId, name, source })),
  }));
}
