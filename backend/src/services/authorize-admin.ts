import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { agents } from '../db/schema/index.js';
import { ForbiddenError } from '../errors.js';
import type { AgentPrincipal, Principal } from './principal.js';

/**
 * Tenant administration (settings, notices, undelivered messages) is for the
 * tenant's admins. The role is read from the database, not the token, so a
 * demotion takes effect at once.
 */
export async function assertTenantAdmin(tx: DbOrTx, principal: Principal): Promise<AgentPrincipal> {
  if (principal.kind !== 'agent') throw new ForbiddenError('Only an admin of this account may do this.');
  const [agent] = await tx
    .select({ role: agents.role })
    .from(agents)
    .where(and(eq(agents.id, principal.agentId), eq(agents.tenantId, principal.tenantId)));
  if (agent?.role !== 'admin') throw new ForbiddenError('Only an admin of this account may do this.');
  return principal;
}
