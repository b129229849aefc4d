import { and, asc, count, eq, ne, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { agents } from '../../db/schema/index.js';
import { parseEqualityFilter } from './filter.js';
import { pageOf, type ListResult } from './pagination.js';
import type { ScimClient } from './resolve-token.js';
import type { UserRow } from './resources.js';
import { asUserRow, isUuid, sameUserName, scimUsersOf, userColumns } from './user-store.js';

/** Lists the account's users, optionally `userName`, `externalId` or `id` eq a value, a page at a time. */
export async function listUsers(
  db: Db,
  client: ScimClient,
  query: { filter?: string | undefined; startIndex?: number | undefined; count?: number | undefined },
): Promise<ListResult<UserRow>> {
  const filter = parseEqualityFilter(query.filter, ['userName', 'externalId', 'id'] as const);
  const page = pageOf(query);
  let match;
  switch (filter?.attribute) {
    case undefined:
      match = undefined;
      break;
    case 'userName':
      match = sameUserName(filter.value);
      break;
    case 'externalId':
      // A user without a client-set externalId shows none (see `userResource`), so it cannot match one.
      match = and(eq(agents.externalUserId, filter.value), ne(agents.externalUserId, agents.userName));
      break;
    case 'id':
      match = isUuid(filter.value) ? eq(agents.id, filter.value) : sql`false`;
      break;
  }
  const where = and(scimUsersOf(client.tenantId), match);
  const [[total], rows] = await Promise.all([
    db.select({ n: count() }).from(agents).where(where),
    page.count === 0
      ? Promise.resolve([])
      : db
          .select(userColumns)
          .from(agents)
          .where(where)
          .orderBy(asc(agents.createdAt), asc(agents.id))
          .limit(page.count)
          .offset(page.startIndex - 1),
  ]);
  return { totalResults: total!.n, startIndex: page.startIndex, items: rows.map(asUserRow) };
}
