import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { scimTokens } from '../../db/schema/index.js';
import { NotFoundError } from '../../errors.js';
import { authorizeAccount } from '../access/policy.js';
import { recordAudit } from '../audit/record.js';
import type { Principal } from '../principal.js';

/** Revokes a SCIM token at once: the next request with it gets 401. Revoking twice is harmless. */
export async function revokeScimToken(db: Db, principal: Principal, tokenId: string): Promise<{ id: string; revokedAt: Date }> {
  const admin = authorizeAccount(principal, 'configure');
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ revokedAt: scimTokens.revokedAt })
      .from(scimTokens)
      .where(and(eq(scimTokens.id, tokenId), eq(scimTokens.tenantId, admin.tenantId)))
      .for('update');
    if (!row) throw new NotFoundError('NOT_FOUND', 'No such SCIM token.');
    if (row.revokedAt) return { id: tokenId, revokedAt: row.revokedAt };
    const revokedAt = new Date();
    await tx
      .update(scimTokens)
      .set({ revokedAt, updatedAt: revokedAt })
      .where(and(eq(scimTokens.id, tokenId), eq(scimTokens.tenantId, admin.tenantId), isNull(scimTokens.revokedAt)));
    await recordAudit(tx, {
      tenantId: admin.tenantId,
      actor: { kind: 'agent', agentId: admin.agentId },
      action: 'scim.token_revoked',
      subjectType: 'scim_token',
      subjectId: tokenId,
    });
    return { id: tokenId, revokedAt };
  });
}
