import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { userGroups } from '../../db/schema/index.js';
import { recordAudit } from '../audit/record.js';
import { findGroup } from './group-store.js';
import { scimActor, type ScimClient } from './resolve-token.js';

/** Deletes a group; its members lose the roles and clients it granted on their next request. */
export async function deleteGroup(db: Db, client: ScimClient, id: string): Promise<void> {
  await db.transaction(async (tx) => {
    const group = await findGroup(tx, client.tenantId, id, true);
    await tx.delete(userGroups).where(and(eq(userGroups.id, group.id), eq(userGroups.tenantId, client.tenantId)));
    const { actor, via } = scimActor(client);
    await recordAudit(tx, {
      tenantId: client.tenantId,
      actor,
      action: 'scim.group_deleted',
      subjectType: 'user_group',
      subjectId: group.id,
      details: { ...via, members: group.memberIds.length },
    });
  });
}
