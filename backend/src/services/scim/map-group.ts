import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { clientKind, roles, userGroups } from '../../db/schema/index.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { upsertClient } from '../access/assignments.js';
import { authorizeAccount } from '../access/policy.js';
import { recordAudit } from '../audit/record.js';
import type { Principal } from '../principal.js';

export const groupMappingInput = z.object({
  /** Role names, built-in (admin, supervisor, agent, dpo) or custom. */
  roles: z.array(z.string().trim().min(1).max(100)).max(50),
  /** The clients the group's members work for. */
  clients: z.array(z.object({ kind: z.enum(clientKind.enumValues), externalId: z.string().trim().min(1).max(200) })).max(500),
});
export type GroupMappingInput = z.output<typeof groupMappingInput>;

/**
 * Sets what an identity-provider group grants its members: roles and clients. Takes effect on
 * each member's next request. An unknown role name is refused rather than silently dropped.
 */
export async function mapGroup(db: Db, principal: Principal, groupId: string, input: GroupMappingInput): Promise<{ id: string; roles: string[]; clientIds: string[] }> {
  const admin = authorizeAccount(principal, 'configure');
  const roleNames = [...new Set(input.roles)];
  return db.transaction(async (tx) => {
    const [group] = await tx
      .select({ id: userGroups.id })
      .from(userGroups)
      .where(and(eq(userGroups.id, groupId), eq(userGroups.tenantId, admin.tenantId)))
      .for('update');
    if (!group) throw new NotFoundError('NOT_FOUND', 'No such group.');
    const found = roleNames.length
      ? await tx.select({ id: roles.id, name: roles.name }).from(roles).where(and(eq(roles.tenantId, admin.tenantId), inArray(roles.name, roleNames)))
      : [];
    const unknown = roleNames.filter((name) => !found.some((r) => r.name === name));
    if (unknown.length > 0) throw new ValidationError('UNKNOWN_ROLE', `No role named ${unknown.map((n) => JSON.stringify(n)).join(', ')} in this account.`);
    const clientIds: string[] = [];
    for (const ref of input.clients) {
      const id = await upsertClient(tx, admin.tenantId, ref);
      if (!clientIds.includes(id)) clientIds.push(id);
    }
    await tx
      .update(userGroups)
      .set({ roleIds: found.map((r) => r.id), clientIds, updatedAt: new Date() })
      .where(and(eq(userGroups.id, groupId), eq(userGroups.tenantId, admin.tenantId)));
    await recordAudit(tx, {
      tenantId: admin.tenantId,
      actor: { kind: 'agent', agentId: admin.agentId },
      action: 'group.mapping_changed',
      subjectType: 'user_group',
      subjectId: groupId,
      details: { roles: found.map((r) => r.name).sort().join(','), clients: clientIds.length },
    });
    return { id: groupId, roles: found.map((r) => r.name).sort(), clientIds };
  });
}
