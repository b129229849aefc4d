import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { installations } from '../../db/schema/index.js';
import { ServiceUnavailableError, UnauthorizedError } from '../../errors.js';
import { setHostRoles } from '../access/assignments.js';
import { recordAudit } from '../audit/record.js';
import { openAgentSession } from '../sessions/open-agent-session.js';
import type { SessionTokens } from '../sessions/session-tokens.js';
import type { TeamsIdentity } from './host-identity.js';
import type { HostSession } from './zendesk-sign-in.js';
import { EntraKeysUnavailable, TeamsTokenRefused, type TeamsSsoClaims } from './teams-sso.js';
import { tokenRefusal } from './token-errors.js';
import { upsertHostAgent } from './upsert-host-agent.js';

const refuse = (why: string) => new UnauthorizedError(`The Teams sign-in token ${why}.`);

/**
 * Signs in the user behind a Teams tab SSO token. Only Entra tenants that installed Parley's bot
 * (an `installations` row, host teams) may sign in. Everyone gets the host role `agent`; more comes
 * from roles an admin assigned in Parley or from SCIM groups, which a sign-in keeps.
 */
export async function signInFromTeams(deps: { db: Db; tokens: SessionTokens; teams: TeamsIdentity | undefined }, token: string): Promise<HostSession> {
  const { db, teams } = deps;
  // Nothing to verify against: no token can be valid here.
  if (!teams) throw new UnauthorizedError('Teams sign-in is not set up on this server (TEAMS_SSO_AUDIENCE), so no Teams token is accepted.');
  let claims: TeamsSsoClaims;
  try {
    claims = await teams.tokens.verify(token);
  } catch (error) {
    if (error instanceof EntraKeysUnavailable) throw new ServiceUnavailableError('ENTRA_UNAVAILABLE', 'Microsoft’s signing keys could not be fetched. Try again in a moment.');
    throw refuse(error instanceof TeamsTokenRefused ? error.reason : tokenRefusal(error));
  }

  const [installation] = await db
    .select({ tenantId: installations.tenantId })
    .from(installations)
    .where(and(eq(installations.host, 'teams'), eq(installations.externalAccountId, claims.teamsTenantId)));
  if (!installation) throw refuse('comes from a Microsoft 365 tenant that has not installed Parley');
  const { tenantId } = installation;

  const agent = await db.transaction(async (tx) => {
    const row = await upsertHostAgent(tx, {
      tenantId,
      host: 'teams',
      externalUserId: claims.objectId,
      displayName: claims.name ?? claims.userName ?? 'Teams user',
      userName: claims.userName,
    });
    await setHostRoles(tx, tenantId, row.id, ['agent']);
    await recordAudit(tx, {
      tenantId,
      actor: { kind: 'agent', agentId: row.id },
      action: 'agent.signed_in',
      subjectType: 'agent',
      subjectId: row.id,
      details: { method: 'teams_sso' },
    });
    return row;
  });
  const session = await openAgentSession(db, deps.tokens, { tenantId, agentId: agent.id });
  return { ...session, tenantId, agent: { id: agent.id, name: agent.displayName } };
}
