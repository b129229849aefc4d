import { asc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { roles } from '../../db/schema/index.js';
import { authorizeAccount } from '../access/policy.js';
import { builtInRoles, isBuiltInRole } from '../access/permissions.js';
import type { Principal } from '../principal.js';

/** The account's roles with what each grants; built-in roles show the grants the code gives them. */
export async function listRoles(db: DbOrTx, principal: Principal) {
  authorizeAccount(principal, 'configure');
  const rows = await db.select().from(roles).where(eq(roles.tenantId, principal.tenantId)).orderBy(asc(roles.builtIn), asc(roles.name));
  return rows.map((role) => {
    if (role.builtIn && isBuiltInRole(role.name)) {
      const definition = builtInRoles[role.name];
      return { id: role.id, name: role.name, builtIn: true, allClients: definition.allClients, grants: Object.fromEntries(definition.actions.map((a) => [a, 'all' as const])) };
    }
    return { id: role.id, name: role.name, builtIn: false, allClients: role.allClients, grants: role.grants };
  });
}
