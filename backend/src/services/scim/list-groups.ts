import { and, asc, count, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { userGroups } from '../../db/schema/index.js';
import { parseEqualityFilter } from './filter.js';
import { groupColumns, sameGroupName, withMembers } from './group-store.js';
import { pageOf, type ListResult } from './pagination.js';
import type { ScimClient } from './resolve-token.js';
import type { GroupRow } from './resources.js';
import { isUuid } from './user-store.js';

/**
 * Lists the account's groups, optionally `displayName`, `externalId` or `id` eq a value. Members are
 * read only when the response shows them (Entra ID asks with `excludedAttributes=members`).
 */
export async function listGroups(
  db: Db,
  client: ScimClient,
  query: { filter?: string | undefined; startIndex?: number | undefined; count?: number | undefined; withMembers: boolean },
): Promise<ListResult<GroupRow>> {
  const filter = parseEqualityFilter(query.filter, ['displayName', 'externalId', 'id'] as const);
  const page = pageOf(query);
  let match;
  switch (filter?.attribute) {
    case undefined:
      match = undefined;
      break;
    case 'displayName':
      match = sameGroupName(filter.value);
      break;
    case 'externalId':
      match = eq(userGroups.externalId, filter.value);
      break;
    case 'id':
      match = isUuid(filter.value) ? eq(userGroups.id, filter.value) : sql`false`;
      break;
  }
  const where = and(eq(userGroups.tenantId, client.tenantId), match);
  const [[total], heads] = await Promise.all([
    db.select({ n: count() }).from(userGroups).where(where),
    page.count === 0
      ? Promise.resolve([])
      : db
          .select(groupColumns)
          .from(userGroups)
          .where(where)
          .orderBy(asc(userGroups.createdAt), asc(userGroups.id))
          .limit(page.count)
          .offset(page.startIndex - 1),
  ]);
  const items = query.withMembers ? await withMembers(db, heads) : heads.map((h) => ({ ...h, memberIds: [] }));
  return { totalResults: total!.n, startIndex: page.startIndex, items };
}
