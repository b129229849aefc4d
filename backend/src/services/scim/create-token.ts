import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/client.js';
import { scimTokens } from '../../db/schema/index.js';
import { authorizeAccount } from '../access/policy.js';
import { recordAudit } from '../audit/record.js';
import type { Principal } from '../principal.js';
import { hashScimToken } from './token-hash.js';

/** Issues a bearer token for the account's identity provider. The token is shown once; only its hash is kept. */
export async function createScimToken(db: Db, principal: Principal): Promise<{ id: string; token: string; createdAt: Date }> {
  const admin = authorizeAccount(principal, 'configure');
  const token = `scim_${randomBytes(32).toString('base64url')}`;
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(scimTokens)
      .values({ tenantId: admin.tenantId, tokenHash: hashScimToken(token) })
      .returning({ id: scimTokens.id, createdAt: scimTokens.createdAt });
    await recordAudit(tx, {
      tenantId: admin.tenantId,
      actor: { kind: 'agent', agentId: admin.agentId },
      action: 'scim.token_created',
      subjectType: 'scim_token',
      subjectId: row!.id,
    });
    return { id: row!.id, token, createdAt: row!.createdAt };
  });
}
