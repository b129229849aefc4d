import { and, eq, inArray, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
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
 */
export async function loadAgentAccess(db: DbOrTx, session: { tenantId: string; agentId: string; epoch: number }): Promise<AgentAccess> {
  const [agent] = await db
    .select({ active: agents.active, sessionEpoch: agents.sessionEpoch })
    .from(agents)
    .where(and(eq(agents.id, session.agentId), eq(agents.tenantId, session.tenantId)));
  if (!agent || !agent.active || agent.sessionEpoch !== session.epoch) {
    throw new UnauthorizedError('Your session has ended; open Parley again.');
  }
  const groups = await db
    .select({ roleIds: userGroups.roleIds, clientIds: userGroups.clientIds })
    .from(userGroupMembers)
    .innerJoin(userGroups, eq(userGroups.id, userGroupMembers.groupId))
    .where(eq(userGroupMembers.agentId, session.agentId));
  const groupRoleIds = groups.flatMap((g) => g.roleIds);
  const [roleRows, clientRows] = await Promise.all([
    db
      .select({ name: roles.name, builtIn: roles.builtIn, allClients: roles.allClients, grants: roles.grants })
      .from(roles)
      .where(
        and(
          eq(roles.tenantId, session.tenantId),
          or(
            inArray(roles.id, db.select({ id: agentRoles.roleId }).from(agentRoles).where(eq(agentRoles.agentId, session.agentId))),
            groupRoleIds.length > 0 ? inArray(roles.id, groupRoleIds) : sql`false`,
          ),
        ),
      ),
    db.select({ clientId: agentClients.clientId }).from(agentClients).where(eq(agentClients.agentId, session.agentId)),
  ]);
  return resolveAccess(roleRows, [...clientRows.map((r) => r.clientId), ...groups.flatMap((g) => g.clientIds)]);
}
