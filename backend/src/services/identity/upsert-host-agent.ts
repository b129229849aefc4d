import { and, eq, ne, or } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { agents } from '../../db/schema/index.js';
import { UnauthorizedError } from '../../errors.js';
import { sameUserName } from '../scim/user-store.js';

export interface HostUser {
  tenantId: string;
  host: 'zendesk' | 'teams';
  /** Zendesk user id, or the Entra object id (`oid`). */
  externalUserId: string;
  displayName: string;
  /** The sign-in name (Entra `preferred_username`/`upn`), when the host tells it. */
  userName?: string | null;
}

/**
 * Creates or refreshes the agent a verified host token names, and refuses one deactivated in Parley
 * (SCIM `active: false`). Call inside the sign-in transaction. The sign-in name is kept only while
 * no other user of the tenant holds it (SCIM may have given it to a provisioned account).
 */
export async function upsertHostAgent(tx: DbOrTx, user: HostUser): Promise<{ id: string; displayName: string }> {
  let userName = user.userName?.trim() || null;
  if (userName) {
    const [holder] = await tx
      .select({ id: agents.id })
      .from(agents)
      .where(
        and(
          eq(agents.tenantId, user.tenantId),
          // As the unique index compares them: without case.
          sameUserName(userName),
          or(ne(agents.host, user.host), ne(agents.externalUserId, user.externalUserId)),
        ),
      );
    if (holder) userName = null;
  }
  const [row] = await tx
    .insert(agents)
    .values({ tenantId: user.tenantId, host: user.host, externalUserId: user.externalUserId, displayName: user.displayName, userName })
    .onConflictDoUpdate({
      target: [agents.tenantId, agents.host, agents.externalUserId],
      set: { displayName: user.displayName, ...(userName ? { userName } : {}), updatedAt: new Date() },
    })
    .returning({ id: agents.id, displayName: agents.displayName, active: agents.active });
  if (!row!.active) throw new UnauthorizedError('This user is deactivated in this account.');
  return { id: row!.id, displayName: row!.displayName };
}
