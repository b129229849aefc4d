import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { agents } from '../../db/schema/index.js';
import { ForbiddenError } from '../../errors.js';
import { recordAudit } from '../audit/record.js';
import type { Principal } from '../principal.js';

/**
 * Signs the user out everywhere: bumping their session epoch ends every session they hold (console,
 * sidebar, tab) on its next request. Sessions are bearer tokens kept in page memory, so this is the
 * only way to end one before it expires.
 */
export async function signOutEverywhere(db: Db, principal: Principal): Promise<void> {
  if (principal.kind !== 'agent') throw new ForbiddenError('Only a signed-in user of this account can do this.');
  await db.transaction(async (tx) => {
    await tx
      .update(agents)
      .set({ sessionEpoch: sql`${agents.sessionEpoch} + 1`, updatedAt: new Date() })
      .where(and(eq(agents.id, principal.agentId), eq(agents.tenantId, principal.tenantId)));
    await recordAudit(tx, {
      tenantId: principal.tenantId,
      actor: principal,
      action: 'agent.signed_out',
      subjectType: 'agent',
      subjectId: principal.agentId,
      details: { everywhere: true },
    });
  });
}
