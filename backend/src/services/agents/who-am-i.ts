import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { agents } from '../../db/schema/index.js';
import { ForbiddenError, UnauthorizedError } from '../../errors.js';
import type { Action } from '../access/permissions.js';
import type { AgentAccess, Principal } from '../principal.js';

/**
 * The signed-in user as the console shows them: name, role names, and the actions they hold for at
 * least one meeting type (custom roles included), so the console offers only what may succeed.
 * Each request is still decided on its own object.
 */
export async function whoAmI(db: DbOrTx, principal: Principal) {
  if (principal.kind !== 'agent') throw new ForbiddenError('Only a signed-in user of this account can do this.');
  const [agent] = await db
    .select({ displayName: agents.displayName })
    .from(agents)
    .where(and(eq(agents.id, principal.agentId), eq(agents.tenantId, principal.tenantId)));
  if (!agent) throw new UnauthorizedError('This user no longer exists in this account.');
  return { agentId: principal.agentId, tenantId: principal.tenantId, displayName: agent.displayName, roles: [...principal.access.roles].sort(), actions: heldActions(principal.access) };
}

function heldActions(access: AgentAccess): Action[] {
  return [...access.grants].filter(([, scope]) => scope === 'all' || scope.size > 0).map(([action]) => action).sort();
}
