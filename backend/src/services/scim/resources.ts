import { z } from 'zod';

/** The SCIM wire format (RFC 7643): schema URNs, what clients may send, and how our rows look to them. */
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

const text = z.string().trim().min(1).max(256);

/** Entra ID sends booleans, and in some versions the strings "True" / "False". */
export const scimBoolean = z.union([
  z.boolean(),
  z
    .string()
    .regex(/^(true|false)$/i, 'must be true or false')
    .transform((v) => v.toLowerCase() === 'true'),
]);

/**
 * A User as a client writes it (POST, PUT, and the result of a PATCH). Attributes Parley does not
 * keep (emails, phone numbers, enterprise extension, …) are accepted and dropped.
 */
export const userInput = z.looseObject({
  schemas: z.array(z.string()).optional(),
  userName: text,
  externalId: text.nullish(),
  displayName: text.nullish(),
  name: z
    .looseObject({ formatted: z.string().max(256).nullish(), givenName: z.string().max(256).nullish(), familyName: z.string().max(256).nullish() })
    .nullish(),
  active: scimBoolean.nullish(),
});
export type UserInput = z.output<typeof userInput>;

const memberInput = z.looseObject({ value: z.string().min(1).max(64) });

export const groupInput = z.looseObject({
  schemas: z.array(z.string()).optional(),
  displayName: text,
  externalId: text.nullish(),
  members: z.array(memberInput).max(10_000).nullish(),
});
export type GroupInput = z.output<typeof groupInput>;

/** The PatchOp envelope; operations are checked and applied by `scim-patch`. */
export const patchInput = z.object({
  schemas: z.array(z.string()).refine((s) => s.includes(PATCH_OP_SCHEMA), `must include ${PATCH_OP_SCHEMA}`),
  Operations: z
    .array(z.looseObject({ op: z.string().min(1), path: z.string().max(1000).optional(), value: z.unknown().optional() }))
    .min(1)
    .max(1000),
});
export type PatchInput = z.output<typeof patchInput>;

/** The display name Parley keeps: the given one, else the name parts, else the sign-in name. */
export function displayNameOf(input: Pick<UserInput, 'userName' | 'displayName' | 'name'>): string {
  const parts = [input.name?.givenName, input.name?.familyName].filter((p): p is string => !!p && p.trim() !== '');
  const fromName = input.name?.formatted?.trim() || parts.join(' ').trim();
  return (input.displayName?.trim() || fromName || input.userName).slice(0, 256);
}

export interface UserRow {
  id: string;
  userName: string;
  externalUserId: string;
  displayName: string;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface GroupRow {
  id: string;
  displayName: string;
  externalId: string | null;
  memberIds: string[];
  createdAt: Date;
  updatedAt: Date;
}

export interface Meta {
  resourceType: 'User' | 'Group';
  created: string;
  lastModified: string;
  location: string;
}

export interface UserResource {
  schemas: string[];
  id: string;
  userName: string;
  externalId?: string;
  displayName: string;
  active: boolean;
  meta: Meta;
}

export interface GroupResource {
  schemas: string[];
  id: string;
  displayName: string;
  externalId?: string;
  members?: { value: string; $ref: string; type: 'User' }[];
  meta: Meta;
}

/**
 * Without an `externalId` from the client, the user's external id is their userName (see
 * `externalUserIdOf`), so it is only shown when the client set one.
 */
export function userResource(row: UserRow, baseUrl: string): UserResource {
  return {
    schemas: [USER_SCHEMA],
    id: row.id,
    userName: row.userName,
    ...(row.externalUserId !== row.userName ? { externalId: row.externalUserId } : {}),
    displayName: row.displayName,
    active: row.active,
    meta: { resourceType: 'User', created: row.createdAt.toISOString(), lastModified: row.updatedAt.toISOString(), location: `${baseUrl}/Users/${row.id}` },
  };
}

export function groupResource(row: GroupRow, baseUrl: string): GroupResource {
  return {
    schemas: [GROUP_SCHEMA],
    id: row.id,
    displayName: row.displayName,
    ...(row.externalId ? { externalId: row.externalId } : {}),
    members: row.memberIds.map((id) => ({ value: id, $ref: `${baseUrl}/Users/${id}`, type: 'User' as const })),
    meta: { resourceType: 'Group', created: row.createdAt.toISOString(), lastModified: row.updatedAt.toISOString(), location: `${baseUrl}/Groups/${row.id}` },
  };
}

/** The host user id a SCIM user is stored under: the IdP's object id, or their userName when it sends none. */
export function externalUserIdOf(input: { userName: string; externalId?: string | null }): string {
  return input.externalId ?? input.userName;
}

/** Names a client may list in `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5), comma separated. */
export function attributeList(value: string | undefined): Set<string> | undefined {
  if (!value) return undefined;
  return new Set(
    value
      .split(',')
      .map((a) => a.trim().replace(/^urn:ietf:params:scim:schemas:core:2\.0:(User|Group):/i, '').split('.')[0]!.toLowerCase())
      .filter(Boolean),
  );
}

const alwaysReturned = new Set(['id', 'schemas', 'meta']);

/** Applies `attributes` / `excludedAttributes` to a resource's top-level attributes; id, schemas and meta always stay. */
export function project<T extends { id: string; schemas: string[]; meta: Meta }>(
  resource: T,
  attributes?: Set<string>,
  excluded?: Set<string>,
): Pick<T, 'id' | 'schemas' | 'meta'> & Partial<T> {
  if (!attributes && !excluded) return resource;
  return Object.fromEntries(
    Object.entries(resource).filter(([key]) => {
      const k = key.toLowerCase();
      if (alwaysReturned.has(k)) return true;
      if (attributes) return attributes.has(k);
      return !excluded!.has(k);
    }),
  ) as Pick<T, 'id' | 'schemas' | 'meta'> & Partial<T>;
}
