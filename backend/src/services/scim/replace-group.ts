import type { Db } from '../../db/client.js';
import { findGroup, writeGroup } from './group-store.js';
import type { ScimClient } from './resolve-token.js';
import type { GroupInput, GroupRow } from './resources.js';

/** PUT: the group's name, external id and members become what the client sends. */
export async function replaceGroup(db: Db, client: ScimClient, id: string, input: GroupInput): Promise<GroupRow> {
  return db.transaction(async (tx) => writeGroup(tx, client, await findGroup(tx, client.tenantId, id, true), input, 'replace'));
}
