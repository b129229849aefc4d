import { MAX_RESULTS } from './pagination.js';
import { GROUP_SCHEMA, LIST_RESPONSE_SCHEMA, USER_SCHEMA } from './resources.js';

/**
 * What this SCIM service provider supports (RFC 7643 §5–7), stated truthfully: PATCH yes, filter
 * (eq only) yes, bulk, sort, ETags and password changes no. The same for every account.
 */
const SPC_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

export function serviceProviderConfig(baseUrl: string) {
  return {
    schemas: [SPC_SCHEMA],
    documentationUri: `${baseUrl.replace(/\/scim\/v2$/, '')}/api/docs`,
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'Bearer token',
        description: 'A per-account token an admin creates in Parley (POST /api/admin/scim/tokens), sent as "Authorization: Bearer <token>".',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

interface Attribute {
  name: string;
  type: 'string' | 'boolean' | 'complex' | 'reference';
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned: 'always' | 'never' | 'default' | 'request';
  uniqueness: 'none' | 'server' | 'global';
  subAttributes?: Attribute[];
  referenceTypes?: string[];
}

const attr = (name: string, description: string, more: Partial<Attribute> = {}): Attribute => ({
  name,
  type: 'string',
  multiValued: false,
  description,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  ...more,
});

/** Accepted so identity providers can send their usual mapping, but not kept: Parley stores no contact data. */
const notKept = { mutability: 'writeOnly', returned: 'never' } as const;

const userSchema = {
  id: USER_SCHEMA,
  name: 'User',
  description: 'A person who works in Parley. Only userName, externalId, displayName and active are kept.',
  attributes: [
    attr('userName', 'Sign-in name at the identity provider; unique in the account (case-insensitive).', { required: true, uniqueness: 'server' }),
    attr('displayName', 'Name shown in Parley. Taken from name when absent.'),
    attr('name', 'Used only to derive displayName when none is given; not kept.', {
      type: 'complex',
      ...notKept,
      subAttributes: [attr('formatted', 'Full name.', notKept), attr('givenName', 'Given name.', notKept), attr('familyName', 'Family name.', notKept)],
    }),
    attr('emails', 'Accepted and discarded.', {
      type: 'complex',
      multiValued: true,
      ...notKept,
      subAttributes: [attr('value', 'Address.', notKept), attr('type', 'work, home, other.', notKept), attr('primary', 'Primary address.', { ...notKept, type: 'boolean' })],
    }),
    attr('active', 'false ends every Parley session of the user at once and refuses new sign-ins.', { type: 'boolean' }),
  ],
  meta: { resourceType: 'Schema' },
};

const groupSchema = {
  id: GROUP_SCHEMA,
  name: 'Group',
  description: 'A group from the identity provider; an admin maps it to Parley roles and clients.',
  attributes: [
    attr('displayName', 'Group name; unique in the account (case-insensitive).', { required: true, uniqueness: 'server' }),
    attr('members', 'Users in the group.', {
      type: 'complex',
      multiValued: true,
      subAttributes: [
        attr('value', 'The member user id.', { mutability: 'immutable', caseExact: true }),
        attr('$ref', 'The member user URI.', { type: 'reference', mutability: 'immutable', caseExact: true, referenceTypes: ['User'] }),
        attr('type', 'Always User.', { mutability: 'immutable', caseExact: true }),
      ],
    }),
  ],
  meta: { resourceType: 'Schema' },
};

export function schemas(baseUrl: string) {
  return [userSchema, groupSchema].map((s) => ({ schemas: [SCHEMA_SCHEMA], ...s, meta: { ...s.meta, location: `${baseUrl}/Schemas/${s.id}` } }));
}

export function resourceTypes(baseUrl: string) {
  return [
    { id: 'User', name: 'User', endpoint: '/Users', description: 'Parley users', schema: USER_SCHEMA },
    { id: 'Group', name: 'Group', endpoint: '/Groups', description: 'Identity-provider groups mapped to Parley roles and clients', schema: GROUP_SCHEMA },
  ].map((t) => ({
    schemas: [RESOURCE_TYPE_SCHEMA],
    ...t,
    schemaExtensions: [],
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${t.id}` },
  }));
}

/** Discovery lists are ListResponses too (RFC 7644 §4). */
export function listOf<T>(resources: T[]) {
  return { schemas: [LIST_RESPONSE_SCHEMA], totalResults: resources.length, startIndex: 1, itemsPerPage: resources.length, Resources: resources };
}
