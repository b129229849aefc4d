import { asc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { scimTokens } from '../../db/schema/index.js';
import { authorizeAccount } from '../access/policy.js';
import type { Principal } from '../principal.js';

/** The account's SCIM tokens (never the tokens themselves), so an admin can revoke the right one. */
export async function listScimTokens(db: Db, principal: Principal) {
  const admin = authorizeAccount(principal, 'configure');
  return db
    .select({ id: scimTokens.id, createdAt: scimTokens.createdAt, revokedAt: scimTokens.revokedAt })
    .from(scimTokens)
    .where(eq(scimTokens.tenantId, admin.tenantId))
    .orderBy(asc(scimTokens.createdAt), asc(scimTokens.id));
}
