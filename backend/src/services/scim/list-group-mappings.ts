import { and, asc, count, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { clients, roles, userGroupMembers, userGroups } from '../../db/schema/index.js';
import { authorizeAccount } from '../access/policy.js';
import type { Principal } from '../principal.js';

export interface GroupMapping {
  id: string;
  displayName: string;
  externalId: string | null;
  members: number;
  roles: string[];
  clients: { id: string; kind: (typeof clients.$inferSelect)['kind']; externalId: string; name: string | null }[];
}

/** The identity provider's groups with the roles and clients each grants its members (admins). */
export async function listGroupMappings(db: Db, principal: Principal): Promise<GroupMapping[]> {
  const admin = authorizeAccount(principal, 'configure');
  const groups = await db
    .select({ id: userGroups.id, displayName: userGroups.displayName, externalId: userGroups.externalId, roleIds: userGroups.roleIds, clientIds: userGroups.clientIds })
    .from(userGroups)
    .where(eq(userGroups.tenantId, admin.tenantId))
    .orderBy(asc(userGroups.displayName));
  const roleIds = [...new Set(groups.flatMap((g) => g.roleIds))];
  const clientIds = [...new Set(groups.flatMap((g) => g.clientIds))];
  const groupIds = groups.map((g) => g.id);
  const [roleRows, clientRows, counts] = await Promise.all([
    roleIds.length ? db.select({ id: roles.id, name: roles.name }).from(roles).where(and(eq(roles.tenantId, admin.tenantId), inArray(roles.id, roleIds))) : [],
    clientIds.length
      ? db
          .select({ id: clients.id, kind: clients.kind, externalId: clients.externalId, name: clients.name })
          .from(clients)
          .where(and(eq(clients.tenantId, admin.tenantId), inArray(clients.id, clientIds)))
      : [],
    groupIds.length
      ? db.select({ groupId: userGroupMembers.groupId, n: count() }).from(userGroupMembers).where(inArray(userGroupMembers.groupId, groupIds)).groupBy(userGroupMembers.groupId)
      : [],
  ]);
  const roleName = new Map(roleRows.map((r) => [r.id, r.name]));
  const client = new Map(clientRows.map((c) => [c.id, c]));
  const members = new Map(counts.map((c) => [c.groupId, c.n]));
  return groups.map((g) => ({
    id: g.id,
    displayName: g.displayName,
    externalId: g.externalId,
    members: members.get(g.id) ?? 0,
    roles: g.roleIds.flatMap((id) => roleName.get(id) ?? []).sort(),
    clients: g.clientIds.flatMap((id) => client.get(id) ?? []),
  }));
}
