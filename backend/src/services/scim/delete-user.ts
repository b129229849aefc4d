import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { agents, userGroupMembers } from '../../db/schema/index.js';
import { recordAudit } from '../audit/record.js';
import { FOREIGN_KEY_VIOLATION, pgErrorCode } from '../../db/errors.js';
import { scimActor, type ScimClient } from './resolve-token.js';
import { findUser } from './user-store.js';

/**
 * DELETE: a user nothing refers to is removed with their roles, clients and memberships. A user
 * who took part in calls or published notices is kept for that history, but deactivated, stripped
 * of their sign-in name and groups, and their sessions end at once. Either way SCIM no longer sees them.
 */
export async function deleteUser(db: Db, client: ScimClient, id: string): Promise<{ kept: boolean }> {
  return db.transaction(async (tx) => {
    const user = await findUser(tx, client.tenantId, id, true);
    let kept = false;
    try {
      await tx.transaction(async (savepoint) => {
        await savepoint.delete(agents).where(and(eq(agents.id, user.id), eq(agents.tenantId, client.tenantId)));
      });
    } catch (error) {
      if (pgErrorCode(error) !== FOREIGN_KEY_VIOLATION) throw error;
      kept = true;
      await tx
        .update(agents)
        .set({
          active: false,
          userName: null,
          // An external id that was only the sign-in name goes with it; an IdP object id stays, so a re-created user is recognised.
          externalUserId: sql`case when ${agents.externalUserId} = ${agents.userName} then 'scim-deleted:' || ${agents.id} else ${agents.externalUserId} end`,
          sessionEpoch: sql`${agents.sessionEpoch} + 1`,
          updatedAt: new Date(),
        })
        .where(and(eq(agents.id, user.id), eq(agents.tenantId, client.tenantId)));
      await tx.delete(userGroupMembers).where(eq(userGroupMembers.agentId, user.id));
    }
    const { actor, via } = scimActor(client);
    await recordAudit(tx, {
      tenantId: client.tenantId,
      actor,
      action: 'scim.user_deleted',
      subjectType: 'agent',
      subjectId: user.id,
      details: { ...via, kept, sessionsEnded: true },
    });
    return { kept };
  });
}
