import { and, asc, eq, inArray, ne, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { agents, userGroupMembers, userGroups } from '../../db/schema/index.js';
import { recordAudit } from '../audit/record.js';
import { UNIQUE_VIOLATION, pgErrorCode } from '../../db/errors.js';
import { ScimError, groupNotFound } from './errors.js';
import { scimActor, type ScimClient } from './resolve-token.js';
import type { GroupInput, GroupRow } from './resources.js';
import { isUuid, scimUsersOf } from './user-store.js';

export const groupColumns = {
  id: userGroups.id,
  displayName: userGroups.displayName,
  externalId: userGroups.externalId,
  createdAt: userGroups.createdAt,
  updatedAt: userGroups.updatedAt,
};

type GroupHead = Omit<GroupRow, 'memberIds'>;

/** Member ids of each group, in a stable order. */
export async function membersOf(tx: DbOrTx, groupIds: readonly string[]): Promise<Map<string, string[]>> {
  const members = new Map(groupIds.map((id) => [id, [] as string[]]));
  if (groupIds.length === 0) return members;
  const rows = await tx
    .select({ groupId: userGroupMembers.groupId, agentId: userGroupMembers.agentId })
    .from(userGroupMembers)
    .where(inArray(userGroupMembers.groupId, [...groupIds]))
    .orderBy(asc(userGroupMembers.agentId));
  for (const row of rows) members.get(row.groupId)!.push(row.agentId);
  return members;
}

export async function withMembers(tx: DbOrTx, heads: GroupHead[]): Promise<GroupRow[]> {
  const members = await membersOf(
    tx,
    heads.map((h) => h.id),
  );
  return heads.map((h) => ({ ...h, memberIds: members.get(h.id) ?? [] }));
}

export async function findGroup(tx: DbOrTx, tenantId: string, id: string, forUpdate = false): Promise<GroupRow> {
  if (!isUuid(id)) throw groupNotFound();
  const query = tx.select(groupColumns).from(userGroups).where(and(eq(userGroups.tenantId, tenantId), eq(userGroups.id, id)));
  const [head] = forUpdate ? await query.for('update') : await query;
  if (!head) throw groupNotFound();
  return (await withMembers(tx, [head]))[0]!;
}

export const sameGroupName = (displayName: string) => sql`lower(${userGroups.displayName}) = lower(${displayName})`;

export async function assertGroupNameFree(tx: DbOrTx, tenantId: string, displayName: string, exceptId?: string): Promise<void> {
  const [taken] = await tx
    .select({ id: userGroups.id })
    .from(userGroups)
    .where(and(eq(userGroups.tenantId, tenantId), sameGroupName(displayName), exceptId ? ne(userGroups.id, exceptId) : undefined))
    .limit(1);
  if (taken) throw new ScimError(409, 'uniqueness', 'A group with this displayName already exists.');
}

export async function uniqueGroup<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (pgErrorCode(error) === UNIQUE_VIOLATION) throw new ScimError(409, 'uniqueness', 'A group with this displayName already exists.');
    throw error;
  }
}

/** The distinct member ids a client sent. */
export function memberIdsOf(input: Pick<GroupInput, 'members'>): string[] {
  return [...new Set((input.members ?? []).map((m) => m.value.toLowerCase()))];
}

/**
 * Makes the group's members exactly `wanted`. Every member must be a SCIM user of the same
 * account; membership grants the group's roles, so each change is audited on its own.
 */
export async function setMembers(tx: DbOrTx, client: ScimClient, groupId: string, current: readonly string[], wanted: readonly string[]): Promise<{ added: number; removed: number }> {
  const have = new Set(current);
  const want = new Set(wanted);
  const added = [...want].filter((id) => !have.has(id));
  const removed = [...have].filter((id) => !want.has(id));
  if (added.length > 0) {
    const malformed = added.find((id) => !isUuid(id));
    const known = malformed
      ? []
      : await tx
          .select({ id: agents.id })
          .from(agents)
          .where(and(scimUsersOf(client.tenantId), inArray(agents.id, added)));
    if (malformed || known.length !== added.length) {
      throw new ScimError(400, 'invalidValue', 'Every member must be a user provisioned in this account.');
    }
    await tx.insert(userGroupMembers).values(added.map((agentId) => ({ groupId, agentId })));
  }
  if (removed.length > 0) {
    await tx.delete(userGroupMembers).where(and(eq(userGroupMembers.groupId, groupId), inArray(userGroupMembers.agentId, removed)));
  }
  const { actor, via } = scimActor(client);
  for (const [action, ids] of [['scim.group_member_added', added], ['scim.group_member_removed', removed]] as const) {
    for (const agentId of ids) {
      await recordAudit(tx, { tenantId: client.tenantId, actor, action, subjectType: 'agent', subjectId: agentId, details: { ...via, groupId } });
    }
  }
  return { added: added.length, removed: removed.length };
}

/** Writes a group's new SCIM state (POST, PUT, PATCH result) and audits it. */
export async function writeGroup(tx: DbOrTx, client: ScimClient, before: GroupRow, input: GroupInput, how: 'replace' | 'patch'): Promise<GroupRow> {
  if (input.displayName.toLowerCase() !== before.displayName.toLowerCase()) await assertGroupNameFree(tx, client.tenantId, input.displayName, before.id);
  const [head] = await uniqueGroup(() =>
    tx
      .update(userGroups)
      .set({ displayName: input.displayName, externalId: input.externalId ?? null, updatedAt: new Date() })
      .where(and(eq(userGroups.id, before.id), eq(userGroups.tenantId, client.tenantId)))
      .returning(groupColumns),
  );
  const wanted = memberIdsOf(input);
  const changes = await setMembers(tx, client, before.id, before.memberIds, wanted);
  const { actor, via } = scimActor(client);
  await recordAudit(tx, {
    tenantId: client.tenantId,
    actor,
    action: 'scim.group_updated',
    subjectType: 'user_group',
    subjectId: before.id,
    details: { ...via, how, membersAdded: changes.added, membersRemoved: changes.removed },
  });
  return { ...head!, memberIds: [...wanted].sort() };
}
