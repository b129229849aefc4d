import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { agents } from '../../db/schema/index.js';
import { recordAudit } from '../audit/record.js';
import { ScimError } from './errors.js';
import { scimActor, type ScimClient } from './resolve-token.js';
import { displayNameOf, externalUserIdOf, type UserInput, type UserRow } from './resources.js';
import { asUserRow, assertUserNameFree, tenantHost, uniquely, userColumns } from './user-store.js';

/**
 * Provisions a user. Kept: userName, externalId (or userName), display name and active — nothing
 * else the identity provider sends. A user who already signed in from the host (same external
 * id, not yet managed over SCIM) is taken over rather than duplicated.
 */
export async function createUser(db: Db, client: ScimClient, input: UserInput): Promise<UserRow> {
  return db.transaction(async (tx) => {
    await assertUserNameFree(tx, client.tenantId, input.userName);
    const host = await tenantHost(tx, client.tenantId);
    const externalUserId = externalUserIdOf(input);
    const values = { userName: input.userName, displayName: displayNameOf(input), active: input.active ?? true };

    const [existing] = await tx
      .select({ id: agents.id, userName: agents.userName })
      .from(agents)
      .where(and(eq(agents.tenantId, client.tenantId), eq(agents.host, host), eq(agents.externalUserId, externalUserId)))
      .for('update');
    if (existing?.userName) throw new ScimError(409, 'uniqueness', 'A user with this externalId already exists.');

    const [row] = await uniquely(() =>
      existing
        ? tx.update(agents).set({ ...values, updatedAt: new Date() }).where(eq(agents.id, existing.id)).returning(userColumns)
        : tx.insert(agents).values({ tenantId: client.tenantId, host, externalUserId, ...values }).returning(userColumns),
    );
    const { actor, via } = scimActor(client);
    await recordAudit(tx, {
      tenantId: client.tenantId,
      actor,
      action: 'scim.user_created',
      subjectType: 'agent',
      subjectId: row!.id,
      details: { ...via, active: values.active, existingUser: !!existing },
    });
    return asUserRow(row!);
  });
}
