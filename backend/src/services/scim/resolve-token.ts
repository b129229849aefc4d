import { and, eq, isNull } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { scimTokens } from '../../db/schema/index.js';
import { UnauthorizedError } from '../../errors.js';
import { hashScimToken } from './token-hash.js';

/** The identity provider of one account, as a SCIM bearer token names it. Every SCIM service acts for one. */
export interface ScimClient {
  tenantId: string;
  tokenId: string;
}

/** Finds the account a SCIM bearer token belongs to; unknown and revoked tokens are refused alike. */
export async function resolveScimClient(db: DbOrTx, token: string): Promise<ScimClient> {
  const [row] = await db
    .select({ id: scimTokens.id, tenantId: scimTokens.tenantId })
    .from(scimTokens)
    .where(and(eq(scimTokens.tokenHash, hashScimToken(token)), isNull(scimTokens.revokedAt)));
  if (!row) throw new UnauthorizedError('The SCIM token is unknown or revoked.');
  return { tenantId: row.tenantId, tokenId: row.id };
}

/** SCIM changes are made by the identity provider, not by a person: audit them as Parley's, naming the token. */
export function scimActor(client: ScimClient) {
  return { actor: { kind: 'system' as const }, via: { via: 'scim', scimTokenId: client.tokenId } };
}
