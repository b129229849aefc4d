import { and, asc, eq, ilike, inArray, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { agentClients, agentRoles, agents, clients, roles } from '../../db/schema/index.js';
import { authorizeAccount } from '../access/policy.js';
import { decodeCursor, encodeCursor, UUID_PATTERN } from '../paging/cursor.js';
import type { Principal } from '../principal.js';

export interface UsersQuery {
  limit: number;
  cursor?: string;
  /** Part of a name or sign-in name, or a whole host user id. */
  q?: string;
}

/** `%` and `_` typed by the admin are searched for, not wildcards. */
const likeEscaped = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The account's users by name, a page at a time, with their directly assigned roles and clients
 * and where each came from. An account provisioned from its identity provider has thousands:
 * the console pages through them and searches by name.
 */
export async function listUsers(db: DbOrTx, principal: Principal, query: UsersQuery) {
  const admin = authorizeAccount(principal, 'configure');
  const after = query.cursor ? decodeCursor(query.cursor, 2, ([, id]) => UUID_PATTERN.test(id)) : undefined;
  const q = query.q?.trim();
  const pattern = q ? `%${likeEscaped(q)}%` : undefined;
  // One row more than the page: whether another page follows, without counting them all.
  const people = await db
    .select({ id: agents.id, name: agents.displayName, host: agents.host, active: agents.active })
    .from(agents)
    .where(
      and(
        eq(agents.tenantId, admin.tenantId),
        pattern ? or(ilike(agents.displayName, pattern), ilike(agents.userName, pattern), eq(agents.externalUserId, q!)) : undefined,
        after ? sql`(${agents.displayName}, ${agents.id}) > (${after[0]}, ${after[1]}::uuid)` : undefined,
      ),
    )
    .orderBy(asc(agents.displayName), asc(agents.id))
    .limit(query.limit + 1);
  const page = people.slice(0, query.limit);
  const last = page.at(-1);
  const ids = page.map((p) => p.id);
  const [roleRows, clientRows] = ids.length
    ? await Promise.all([
        db.select({ agentId: agentRoles.agentId, name: roles.name, source: agentRoles.source }).from(agentRoles).innerJoin(roles, eq(roles.id, agentRoles.roleId)).where(inArray(agentRoles.agentId, ids)),
        db
          .select({ agentId: agentClients.agentId, kind: clients.kind, externalId: clients.externalId, name: clients.name, source: agentClients.source })
          .from(agentClients)
          .innerJoin(clients, eq(clients.id, agentClients.clientId))
          .where(inArray(agentClients.agentId, ids)),
      ])
    : [[], []];
  return {
    users: page.map((p) => ({
      ...p,
      roles: roleRows.filter((r) => r.agentId === p.id).map(({ name, source }) => ({ name, source })),
      clients: clientRows.filter((c) => c.agentId === p.id).map(({ kind, externalId, name, source }) => ({ kind, externalId, name, source })),
    })),
    nextCursor: people.length > query.limit && last ? encodeCursor([last.name, last.id]) : null,
  };
}
