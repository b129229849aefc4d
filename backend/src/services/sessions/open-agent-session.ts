import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { agents } from '../../db/schema/index.js';
import { UnauthorizedError } from '../../errors.js';
import { loadAgentAccess } from '../access/load-access.js';
import type { Principal } from '../principal.js';
import type { SessionClaims, SessionTokens } from './session-tokens.js';

/**
 * Issues a Parley session for a verified, active user, in their current session epoch.
 * Every sign-in path (host token, SAML, demo) ends here.
 */
export async function openAgentSession(db: DbOrTx, tokens: SessionTokens, who: { tenantId: string; agentId: string }) {
  const [agent] = await db
    .select({ active: agents.active, epoch: agents.sessionEpoch })
    .from(agents)
    .where(and(eq(agents.id, who.agentId), eq(agents.tenantId, who.tenantId)));
  if (!agent?.active) throw new UnauthorizedError('This user is deactivated in this account.');
  return tokens.issueAgent({ ...who, epoch: agent.epoch });
}

/** Turns verified session claims into a principal; an agent's roles and clients are read now, not trusted from the token. */
export async function resolvePrincipal(db: DbOrTx, claims: SessionClaims): Promise<Principal> {
  if (claims.kind !== 'agent') return claims;
  const access = await loadAgentAccess(db, claims);
  return { kind: 'agent', tenantId: claims.tenantId, agentId: claims.agentId, access };
}
