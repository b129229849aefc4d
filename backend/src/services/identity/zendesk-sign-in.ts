import type { Db } from '../../db/client.js';
import { ForbiddenError, ServiceUnavailableError, UnauthorizedError } from '../../errors.js';
import { setHostClients, setHostRoles, type ClientRef } from '../access/assignments.js';
import { recordAudit } from '../audit/record.js';
import { openAgentSession } from '../sessions/open-agent-session.js';
import type { SessionTokens } from '../sessions/session-tokens.js';
import { provisionTenant } from '../tenants/provision.js';
import type { ZendeskIdentity } from './host-identity.js';
import { useOnce } from './one-time-values.js';
import { upsertHostAgent } from './upsert-host-agent.js';
import { ZendeskDirectoryUnavailable, type ZendeskDirectoryUser } from './zendesk-directory.js';
import { verifyZendeskSignedUrl } from './zendesk-signed-url.js';

export interface HostSession {
  token: string;
  expiresAt: Date;
  tenantId: string;
  agent: { id: string; name: string };
}

/**
 * Signs in the agent behind a Zendesk signed-URL token: verify it, refuse a second use, read the
 * user from the account's API (role, organizations, groups), provision the account on its first
 * verified load, then refresh the user's host roles and clients and open a Parley session.
 */
export async function signInFromZendesk(
  deps: { db: Db; tokens: SessionTokens; zendesk: ZendeskIdentity | undefined },
  token: string,
): Promise<HostSession & { subdomain: string }> {
  const { db, zendesk } = deps;
  // Nothing to verify against: no token can be valid here.
  if (!zendesk) throw new UnauthorizedError('Zendesk sign-in is not set up on this server (ZENDESK_APP_ID), so no Zendesk token is accepted.');
  const claims = await verifyZendeskSignedUrl(token, zendesk.publicKeys);
  if (!(await useOnce(db, 'zendesk_signed_url', token, claims.expiresAt))) {
    throw new UnauthorizedError('This Zendesk sign-in token was used already. Reload the app in Zendesk.');
  }

  let user: ZendeskDirectoryUser | undefined;
  try {
    user = await zendesk.directory.user(zendesk.accountOrigin(claims.subdomain), claims.userId);
  } catch (error) {
    if (!(error instanceof ZendeskDirectoryUnavailable)) throw error;
    throw new ServiceUnavailableError('ZENDESK_UNAVAILABLE', 'Zendesk could not be asked who you are. Try again in a moment.');
  }
  if (!user) throw new UnauthorizedError('The Zendesk user in the sign-in token does not exist in this account.');
  if (user.blocked) throw new UnauthorizedError('This Zendesk user is suspended.');
  if (user.role === 'end-user') throw new ForbiddenError('Only Zendesk agents and admins can use Parley.');
  const signedIn = user;

  const { tenantId } = await provisionTenant(db, { host: 'zendesk', externalAccountId: claims.subdomain });
  const agent = await db.transaction(async (tx) => {
    const row = await upsertHostAgent(tx, { tenantId, host: 'zendesk', externalUserId: signedIn.id, displayName: signedIn.name });
    await setHostRoles(tx, tenantId, row.id, [signedIn.role === 'admin' ? 'admin' : 'agent']);
    const clients: ClientRef[] = [
      ...signedIn.organizations.map((o) => ({ kind: 'zendesk_organization' as const, externalId: o.id, name: o.name })),
      ...signedIn.groupIds.map((id) => ({ kind: 'zendesk_group' as const, externalId: id })),
    ];
    await setHostClients(tx, tenantId, row.id, clients);
    await recordAudit(tx, {
      tenantId,
      actor: { kind: 'agent', agentId: row.id },
      action: 'agent.signed_in',
      subjectType: 'agent',
      subjectId: row.id,
      details: { method: 'zendesk_signed_url', zendeskRole: signedIn.role },
    });
    return row;
  });
  const session = await openAgentSession(db, deps.tokens, { tenantId, agentId: agent.id });
  return { ...session, tenantId, subdomain: claims.subdomain, agent: { id: agent.id, name: agent.displayName } };
}
