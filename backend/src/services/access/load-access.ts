import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { perDatabase } from '../../db/per-database.js';
import { agentClients, agentRoles, agents, roles, userGroupMembers, userGroups } from '../../db/schema/index.js';
import { UnauthorizedError } from '../../errors.js';
import type { AgentAccess } from '../principal.js';
import { actions, builtInRoles, isBuiltInRole, type Action } from './permissions.js';

type RoleRow = Pick<typeof roles.$inferSelect, 'name' | 'builtIn' | 'allClients' | 'grants'>;

/** Folds a user's roles into one grant table: the union of what each role allows. */
export function resolveAccess(roleRows: readonly RoleRow[], clientIds: readonly string[]): AgentAccess {
  const grants = new Map<Action, 'all' | Set<string>>();
  let allClients = false;
  const grant = (action: Action, scope: 'all' | readonly string[]) => {
    const held = grants.get(action);
    if (held === 'all') return;
    if (scope === 'all') grants.set(action, 'all');
    else grants.set(action, new Set([...(held ?? []), ...scope]));
  };
  for (const role of roleRows) {
    if (role.builtIn && isBuiltInRole(role.name)) {
      const definition = builtInRoles[role.name];
      allClients ||= definition.allClients;
      for (const action of definition.actions) grant(action, 'all');
    } else {
      allClients ||= role.allClients;
      for (const action of actions) {
        const scope = role.grants[action];
        if (scope) grant(action, scope);
      }
    }
  }
  return { roles: roleRows.map((r) => r.name).sort(), grants, clients: allClients ? 'all' : new Set(clientIds) };
}

/**
 * Loads what an agent may do right now: the roles and clients assigned to them directly and through
 * their groups. A deactivated user, or a session from before their sessions were ended, is refused.
 * Every signed-in request asks this, so it is one prepared statement.
 */
export async function loadAgentAccess(db: DbOrTx, session: { tenantId: string; agentId: string; epoch: number }): Promise<AgentAccess> {
  const [agent] = await agentAccess(db).execute({ agentId: session.agentId, tenantId: session.tenantId });
  if (!agent || !agent.active || agent.sessionEpoch !== session.epoch) {
    throw new UnauthorizedError('Your session has ended; open Parley again.');
  }
  return resolveAccess(agent.roles, agent.clientIds);
}

const agentAccess = perDatabase((db) => {
  const agentId = sql.placeholder('agentId');
  const groupsOfAgent = sql`${userGroupMembers} JOIN ${userGroups} ON ${userGroups.id} = ${userGroupMembers.groupId} WHERE ${userGroupMembers.agentId} = ${agentId}`;
  const roleRows = sql<RoleRow[]>`(
    SELECT coalesce(json_agg(json_build_object('name', ${roles.name}, 'builtIn', ${roles.builtIn}, 'allClients', ${roles.allClients}, 'grants', ${roles.grants})), '[]'::json)
    FROM ${roles}
    WHERE ${roles.tenantId} = ${agents.tenantId}
      AND (${roles.id} IN (SELECT ${agentRoles.roleId} FROM ${agentRoles} WHERE ${agentRoles.agentId} = ${agentId})
        OR ${roles.id} IN (SELECT unnest(${userGroups.roleIds}) FROM ${groupsOfAgent})))`;
  const clientIds = sql<string[]>`(
    SELECT coalesce(json_agg(client_id), '[]'::json) FROM (
      SELECT ${agentClients.clientId} AS client_id FROM ${agentClients} WHERE ${agentClients.agentId} = ${agentId}
      UNION SELECT unnest(${userGroups.clientIds}) FROM ${groupsOfAgent}) AS assigned)`;
  return db
    .select({ active: agents.active, sessionEpoch: agents.sessionEpoch, roles: roleRows, clientIds })
    .from(agents)
    .where(and(eq(agents.id, agentId), eq(agents.tenantId, sql.placeholder('tenantId'))))
    .prepare('agent_access');
});
