import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { agentClients, agentRoles, agents, roles, tenants } from '../../db/schema/index.js';
import { ConflictError, NotFoundError, PolicyViolation } from '../../errors.js';
import { upsertClient } from '../access/assignments.js';
import { authorizeAccount } from '../access/policy.js';
import { recordAudit } from '../audit/record.js';
import type { Principal } from '../principal.js';

export const assignmentInput = z.object({
  /** Role names assigned in Parley, on top of what the host or identity provider says. */
  roles: z.array(z.string().min(1).max(60)).max(20),
  clients: z
    .array(z.object({ kind: z.enum(['zendesk_organization', 'zendesk_brand', 'zendesk_group', 'teams_team']), externalId: z.string().min(1).max(200) }))
    .max(500),
});

/**
 * Sets the roles and clients an admin assigns a user in Parley. What the host (Zendesk role,
 * organizations) or the identity provider (SCIM groups) says is kept apart and not touched.
 */
export async function assignAccess(db: Db, principal: Principal, agentId: string, input: z.infer<typeof assignmentInput>) {
  const admin = authorizeAccount(principal, 'configure');
  return db.transaction(async (tx) => {
    // One change of access at a time per account: two admins removing each other's role at once
    // must not both pass the last-administrator check below.
    await tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, admin.tenantId)).for('update');
    const [agent] = await tx.select({ id: agents.id }).from(agents).where(and(eq(agents.id, agentId), eq(agents.tenantId, admin.tenantId)));
    if (!agent) throw new NotFoundError('AGENT_NOT_FOUND', 'No such user in this account.');
    const names = [...new Set(input.roles)];
    const found = names.length
      ? await tx.select({ id: roles.id, name: roles.name }).from(roles).where(and(eq(roles.tenantId, admin.tenantId), inArray(roles.name, names)))
      : [];
    if (found.length !== names.length) {
      const missing = names.filter((n) => !found.some((r) => r.name === n));
      throw new PolicyViolation('UNKNOWN_ROLE', `No such role: ${missing.join(', ')}.`);
    }
    await tx.delete(agentRoles).where(and(eq(agentRoles.agentId, agentId), eq(agentRoles.source, 'admin')));
    if (found.length) await tx.insert(agentRoles).values(found.map((r) => ({ agentId, roleId: r.id, source: 'admin' as const })));
    await tx.delete(agentClients).where(and(eq(agentClients.agentId, agentId), eq(agentClients.source, 'admin')));
    const clientIds = new Set<string>();
    for (const ref of input.clients) clientIds.add(await upsertClient(tx, admin.tenantId, ref));
    if (clientIds.size) await tx.insert(agentClients).values([...clientIds].map((clientId) => ({ agentId, clientId, source: 'admin' as const })));
    // Nobody could set the account up again: the last administrator keeps the role.
    const [stillAdmin] = await tx
      .select({ id: agents.id })
      .from(agentRoles)
      .innerJoin(agents, eq(agents.id, agentRoles.agentId))
      .innerJoin(roles, eq(roles.id, agentRoles.roleId))
      .where(and(eq(agents.tenantId, admin.tenantId), eq(agents.active, true), eq(roles.name, 'admin'), eq(roles.builtIn, true)))
      .limit(1);
    if (!stillAdmin) throw new ConflictError('LAST_ADMIN', 'This would leave the account without an administrator. Give another user the admin role first.');
    await recordAudit(tx, {
      tenantId: admin.tenantId,
      actor: admin,
      action: 'agent.access_assigned',
      subjectType: 'agent',
      subjectId: agentId,
      details: { roles: names.sort().join(','), clients: clientIds.size },
    });
    return { id: agentId, roles: names, clients: clientIds.size };
  });
}
