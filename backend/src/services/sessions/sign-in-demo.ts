import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { agents } from '../../db/schema/index.js';
import { setHostClients, setHostRoles } from '../access/assignments.js';
import { builtInRoleNames } from '../access/permissions.js';
import { recordAudit } from '../audit/record.js';
import type { StoragePlaces } from '../notices/publish.js';
import { provisionTenant } from '../tenants/provision.js';
import { openAgentSession } from './open-agent-session.js';
import type { SessionTokens } from './session-tokens.js';

export const demoSignInInput = z.object({
  accountId: z.string().min(1).max(200),
  userId: z.string().min(1).max(200),
  name: z.string().min(1).max(200),
  /** The user's role; the demo trusts it, real sign-in takes it from the host's signed token. */
  role: z.enum(builtInRoleNames).default('agent'),
  /** Clients (Zendesk organizations) the user works for; the demo trusts these too. */
  organizations: z.array(z.string().min(1).max(64)).max(50).default([]),
});

/**
 * Demo-only agent sign-in: trusts the Zendesk ids the demo page passes. Exists
 * only when PARLEY_DEMO=1; real installs verify the host's signed token instead.
 */
export async function signInDemoAgent(db: Db, tokens: SessionTokens, input: z.input<typeof demoSignInInput>, places: StoragePlaces) {
  const { role = 'agent', organizations = [] } = input;
  // The demo account plays an installation an admin has already set up, recording included.
  const { tenantId } = await provisionTenant(db, { host: 'zendesk', externalAccountId: input.accountId }, { preconfigured: true, places });
  const agent = await db.transaction(async (tx) => {
    const [row] = await tx
      .insert(agents)
      .values({ tenantId, host: 'zendesk', externalUserId: input.userId, displayName: input.name })
      .onConflictDoUpdate({
        target: [agents.tenantId, agents.host, agents.externalUserId],
        set: { displayName: input.name, updatedAt: new Date() },
      })
      .returning({ id: agents.id, displayName: agents.displayName });
    await setHostRoles(tx, tenantId, row!.id, [role]);
    await setHostClients(tx, tenantId, row!.id, organizations.map((externalId) => ({ kind: 'zendesk_organization' as const, externalId })));
    await recordAudit(tx, {
      tenantId,
      actor: { kind: 'agent', agentId: row!.id },
      action: 'agent.signed_in',
      subjectType: 'agent',
      subjectId: row!.id,
      details: { method: 'demo' },
    });
    return row!;
  });
  const session = await openAgentSession(db, tokens, { tenantId, agentId: agent.id });
  return { token: session.token, expiresAt: session.expiresAt, agent: { id: agent.id, name: agent.displayName } };
}
