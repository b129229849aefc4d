import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { agents } from '../../db/schema/index.js';
import { recordAudit } from '../audit/record.js';
import { provisionTenant } from '../tenants/provision.js';
import type { SessionTokens } from './session-tokens.js';

export const demoSignInInput = z.object({
  accountId: z.string().min(1).max(200),
  userId: z.string().min(1).max(200),
  name: z.string().min(1).max(200),
  /** Zendesk's role of the current user; the demo trusts it, real sign-in will not. */
  role: z.enum(['admin', 'agent']).default('agent'),
});

/**
 * Demo-only agent sign-in: trusts the Zendesk ids the demo page passes. Exists
 * only when PARLEY_DEMO=1; real installs verify the host's signed token instead.
 */
export async function signInDemoAgent(db: Db, tokens: SessionTokens, input: z.input<typeof demoSignInInput>) {
  const { role = 'agent' } = input;
  const { tenantId } = await provisionTenant(db, { host: 'zendesk', externalAccountId: input.accountId });
  const agent = await db.transaction(async (tx) => {
    const [row] = await tx
      .insert(agents)
      .values({ tenantId, host: 'zendesk', externalUserId: input.userId, displayName: input.name, role })
      .onConflictDoUpdate({
        target: [agents.tenantId, agents.host, agents.externalUserId],
        set: { displayName: input.name, role, updatedAt: new Date() },
      })
      .returning({ id: agents.id, displayName: agents.displayName });
    await recordAudit(tx, {
      tenantId,
      actor: { kind: 'agent', tenantId, agentId: row!.id },
      action: 'agent.signed_in',
      subjectType: 'agent',
      subjectId: row!.id,
      details: { method: 'demo' },
    });
    return row!;
  });
  const session = await tokens.issueAgent({ tenantId, agentId: agent.id });
  return { token: session.token, expiresAt: session.expiresAt, agent: { id: agent.id, name: agent.displayName } };
}
