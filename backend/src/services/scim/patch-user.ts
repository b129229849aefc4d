import type { Db } from '../../db/client.js';
import { applyPatch } from './apply-patch.js';
import type { ScimClient } from './resolve-token.js';
import { USER_SCHEMA, userInput, type PatchInput, type UserRow } from './resources.js';
import { findUser, writeUser } from './user-store.js';

/**
 * PATCH: applies the operations to the user as SCIM shows them. Operations on attributes Parley
 * does not keep (emails, name parts, enterprise extension) are accepted and leave nothing behind;
 * `active` false ends the user's sessions at once.
 */
export async function patchUser(db: Db, client: ScimClient, id: string, patch: PatchInput): Promise<UserRow> {
  return db.transaction(async (tx) => {
    const before = await findUser(tx, client.tenantId, id, true);
    const current = {
      schemas: [USER_SCHEMA],
      id: before.id,
      userName: before.userName,
      ...(before.externalUserId !== before.userName ? { externalId: before.externalUserId } : {}),
      displayName: before.displayName,
      active: before.active,
    };
    const next = applyPatch(current, patch, userInput);
    return writeUser(tx, client, before, next, 'patch');
  });
}
