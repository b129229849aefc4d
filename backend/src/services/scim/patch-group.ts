import type { Db } from '../../db/client.js';
import { applyPatch } from './apply-patch.js';
import { findGroup, writeGroup } from './group-store.js';
import type { ScimClient } from './resolve-token.js';
import { GROUP_SCHEMA, groupInput, type GroupRow, type PatchInput } from './resources.js';

const isMembersPath = (path: string | undefined) => !!path && /^(urn:ietf:params:scim:schemas:core:2\.0:Group:)?members$/i.test(path);

/** Members are matched by id alone: a client may send `display` or `$ref` alongside `value`. */
function membersByValue(value: unknown): unknown {
  const list = Array.isArray(value) ? value : [value];
  return list.map((m) => (m && typeof m === 'object' && 'value' in m && typeof m.value === 'string' ? { value: m.value.toLowerCase() } : m));
}

/**
 * PATCH: add/remove/replace `members` (Entra ID sends `{"op":"Add","path":"members","value":[{"value":id}]}`
 * and `members[value eq "id"]` removals), replace `displayName` or `externalId`.
 */
export async function patchGroup(db: Db, client: ScimClient, id: string, patch: PatchInput): Promise<GroupRow> {
  return db.transaction(async (tx) => {
    const before = await findGroup(tx, client.tenantId, id, true);
    const operations = patch.Operations.map((o) => (isMembersPath(o.path) && o.value !== undefined ? { ...o, path: 'members', value: membersByValue(o.value) } : o));
    const current = {
      schemas: [GROUP_SCHEMA],
      id: before.id,
      displayName: before.displayName,
      ...(before.externalId ? { externalId: before.externalId } : {}),
      members: before.memberIds.map((value) => ({ value })),
    };
    const next = applyPatch(current, { ...patch, Operations: operations }, groupInput);
    return writeGroup(tx, client, before, next, 'patch');
  });
}
