import type { Db } from '../../db/client.js';
import { userGroups } from '../../db/schema/index.js';
import { recordAudit } from '../audit/record.js';
import { assertGroupNameFree, groupColumns, memberIdsOf, setMembers, uniqueGroup } from './group-store.js';
import { scimActor, type ScimClient } from './resolve-token.js';
import type { GroupInput, GroupRow } from './resources.js';

/** Creates a group with its members. It grants nothing until an admin maps it to roles and clients. */
export async function createGroup(db: Db, client: ScimClient, input: GroupInput): Promise<GroupRow> {
  return db.transaction(async (tx) => {
    await assertGroupNameFree(tx, client.tenantId, input.displayName);
    const [head] = await uniqueGroup(() =>
      tx
        .insert(userGroups)
        .values({ tenantId: client.tenantId, displayName: input.displayName, externalId: input.externalId ?? null })
        .returning(groupColumns),
    );
    const memberIds = memberIdsOf(input);
    const { actor, via } = scimActor(client);
    await recordAudit(tx, {
      tenantId: client.tenantId,
      actor,
      action: 'scim.group_created',
      subjectType: 'user_group',
      subjectId: head!.id,
      details: { ...via, members: memberIds.length },
    });
    await setMembers(tx, client, head!.id, [], memberIds);
    return { ...head!, memberIds: memberIds.sort() };
  });
}
