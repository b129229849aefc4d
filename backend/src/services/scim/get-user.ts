import type { Db } from '../../db/client.js';
import type { ScimClient } from './resolve-token.js';
import type { UserRow } from './resources.js';
import { findUser } from './user-store.js';

/** One user of the SCIM client's account; another account's user is as missing as a made-up id. */
export async function getUser(db: Db, client: ScimClient, id: string): Promise<UserRow> {
  return findUser(db, client.tenantId, id);
}
