import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { createMiddleware } from 'hono/factory';
import { authenticate } from '../http/auth.js';
import type { AppEnv } from '../http/context.js';
import { validationHook } from '../http/errors.js';
import type { ServiceDeps } from '../services/deps.js';
import { createScimToken } from '../services/scim/create-token.js';
import { listGroupMappings } from '../services/scim/list-group-mappings.js';
import { listScimTokens } from '../services/scim/list-tokens.js';
import { groupMappingInput, mapGroup } from '../services/scim/map-group.js';
import { revokeScimToken } from '../services/scim/revoke-token.js';
import { bearer, errors, idParam, json } from './schemas.js';

/** Identity set-up for admins: SCIM tokens for the identity provider, and what its groups grant. */

const tokenSchema = z.object({ id: z.uuid(), createdAt: z.string(), revokedAt: z.string().nullable() }).openapi('ScimToken');

const createTokenRoute = createRoute({
  method: 'post',
  path: '/api/admin/scim/tokens',
  summary: "Create a SCIM token for the account's identity provider; the token is shown this once (admins)",
  security: bearer,
  responses: {
    201: json(
      z.object({
        id: z.uuid(),
        token: z.string().openapi({ description: 'Send as "Authorization: Bearer <token>" to /scim/v2. Not retrievable later.' }),
        createdAt: z.string(),
        scimBaseUrl: z.string(),
      }),
      'Created',
    ),
    401: errors[401],
    403: errors[403],
  },
});

const listTokensRoute = createRoute({
  method: 'get',
  path: '/api/admin/scim/tokens',
  summary: "The account's SCIM tokens, without the secrets (admins)",
  security: bearer,
  responses: { 200: json(z.object({ tokens: z.array(tokenSchema) }), 'Tokens'), 401: errors[401], 403: errors[403] },
});

const revokeTokenRoute = createRoute({
  method: 'delete',
  path: '/api/admin/scim/tokens/{id}',
  summary: 'Revoke a SCIM token at once (admins)',
  security: bearer,
  request: { params: idParam },
  responses: { 200: json(z.object({ id: z.uuid(), revokedAt: z.string() }), 'Revoked'), 401: errors[401], 403: errors[403], 404: errors[404] },
});

const clientRef = z.object({ id: z.uuid(), kind: z.string(), externalId: z.string(), name: z.string().nullable() });
const groupMappingSchema = z
  .object({
    id: z.uuid(),
    displayName: z.string(),
    externalId: z.string().nullable(),
    members: z.number().int(),
    roles: z.array(z.string()),
    clients: z.array(clientRef),
  })
  .openapi('GroupMapping');

const listGroupsRoute = createRoute({
  method: 'get',
  path: '/api/admin/groups',
  summary: "The identity provider's groups and the roles and clients each grants (admins)",
  security: bearer,
  responses: { 200: json(z.object({ groups: z.array(groupMappingSchema) }), 'Groups'), 401: errors[401], 403: errors[403] },
});

const mapGroupRoute = createRoute({
  method: 'put',
  path: '/api/admin/groups/{id}',
  summary: "Set the roles and clients a group grants its members; effective on each member's next request (admins)",
  security: bearer,
  request: { params: idParam, body: { required: true, content: { 'application/json': { schema: groupMappingInput.openapi('GroupMappingChange') } } } },
  responses: {
    200: json(z.object({ id: z.uuid(), roles: z.array(z.string()), clientIds: z.array(z.uuid()) }), 'Saved'),
    400: errors[400],
    401: errors[401],
    403: errors[403],
    404: errors[404],
  },
});

export function adminIdentityRoutes(deps: ServiceDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const verify = authenticate(deps);
  // admin.ts authenticates everything under /api/admin/* already when it is mounted first; verify only once.
  const signedIn = createMiddleware<AppEnv>(async (c, next) => (c.var.principal ? next() : verify(c, next)));
  app.use('/api/admin/scim/*', signedIn);
  app.use('/api/admin/groups', signedIn);
  app.use('/api/admin/groups/*', signedIn);
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return app
    .openapi(createTokenRoute, async (c) => {
      const created = await createScimToken(deps.db, c.get('principal'));
      return c.json({ id: created.id, token: created.token, createdAt: created.createdAt.toISOString(), scimBaseUrl: `${deps.publicBaseUrl.replace(/\/$/, '')}/scim/v2` }, 201);
    })
    .openapi(listTokensRoute, async (c) => {
      const tokens = await listScimTokens(deps.db, c.get('principal'));
      return c.json({ tokens: tokens.map((t) => ({ id: t.id, createdAt: t.createdAt.toISOString(), revokedAt: iso(t.revokedAt) })) }, 200);
    })
    .openapi(revokeTokenRoute, async (c) => {
      const revoked = await revokeScimToken(deps.db, c.get('principal'), c.req.valid('param').id);
      return c.json({ id: revoked.id, revokedAt: revoked.revokedAt.toISOString() }, 200);
    })
    .openapi(listGroupsRoute, async (c) => c.json({ groups: await listGroupMappings(deps.db, c.get('principal')) }, 200))
    .openapi(mapGroupRoute, async (c) => c.json(await mapGroup(deps.db, c.get('principal'), c.req.valid('param').id, c.req.valid('json')), 200));
}
