import type { Db } from '../../db/client.js';
import type { ScimClient } from './resolve-token.js';
import type { UserInput, UserRow } from './resources.js';
import { findUser, writeUser } from './user-store.js';

/** PUT: the user becomes what the client sends; `active: false` ends their sessions at once. */
export async function replaceUser(db: Db, client: ScimClient, id: string, input: UserInput): Promise<UserRow> {
  return db.transaction(async (tx) => writeUser(tx, client, await findUser(tx, client.tenantId, id, true), input, 'replace'));
}
