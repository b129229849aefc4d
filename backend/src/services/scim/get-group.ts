import type { Db } from '../../db/client.js';
import { findGroup } from './group-store.js';
import type { ScimClient } from './resolve-token.js';
import type { GroupRow } from './resources.js';

export async function getGroup(db: Db, client: ScimClient, id: string): Promise<GroupRow> {
  return findGroup(db, client.tenantId, id);
}
