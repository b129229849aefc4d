import { randomUUID } from 'node:crypto';
import type { DbOrTx } from '../../backend/src/db/client.js';
import { agents } from '../../backend/src/db/schema/index.js';
import { ensureBuiltInRoles, setHostClients, setHostRoles, type ClientRef } from '../../backend/src/services/access/assignments.js';
import { loadAgentAccess } from '../../backend/src/services/access/load-access.js';
import type { AgentPrincipal } from '../../backend/src/services/principal.js';

/** A user of the tenant with the given built-in roles and clients, as the services see them after sign-in. */
export async function seedAgent(
  db: DbOrTx,
  tenantId: string,
  options: { roles?: string[]; clients?: ClientRef[]; host?: 'zendesk' | 'teams'; externalUserId?: string; name?: string } = {},
): Promise<AgentPrincipal> {
  await ensureBuiltInRoles(db, tenantId);
  const [agent] = await db
    .insert(agents)
    .values({ tenantId, host: options.host ?? 'zendesk', externalUserId: options.externalUserId ?? randomUUID(), displayName: options.name ?? 'Dana Agent' })
    .returning({ id: agents.id });
  await setHostRoles(db, tenantId, agent!.id, options.roles ?? ['agent']);
  await setHostClients(db, tenantId, agent!.id, options.clients ?? []);
  return principalOf(db, tenantId, agent!.id);
}

/** The principal an existing user has now (roles and clients read from the database). */
export async function principalOf(db: DbOrTx, tenantId: string, agentId: string): Promise<AgentPrincipal> {
  return { kind: 'agent', tenantId, agentId, access: await loadAgentAccess(db, { tenantId, agentId, epoch: 0 }) };
}
