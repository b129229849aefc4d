import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { DomainError, UnauthorizedError } from '../errors.js';
import type { AppEnv } from '../http/context.js';
import type { Logger } from '../logger.js';
import type { ServiceDeps } from '../services/deps.js';
import { createGroup } from '../services/scim/create-group.js';
import { createUser } from '../services/scim/create-user.js';
import { deleteGroup } from '../services/scim/delete-group.js';
import { deleteUser } from '../services/scim/delete-user.js';
import { listOf, resourceTypes, schemas, serviceProviderConfig } from '../services/scim/discovery.js';
import { ScimError, pgErrorCode } from '../services/scim/errors.js';
import { getGroup } from '../services/scim/get-group.js';
import { getUser } from '../services/scim/get-user.js';
import { listGroups } from '../services/scim/list-groups.js';
import { listUsers } from '../services/scim/list-users.js';
import type { ListResult } from '../services/scim/pagination.js';
import { patchGroup } from '../services/scim/patch-group.js';
import { patchUser } from '../services/scim/patch-user.js';
import { replaceGroup } from '../services/scim/replace-group.js';
import { replaceUser } from '../services/scim/replace-user.js';
import { resolveScimClient, type ScimClient } from '../services/scim/resolve-token.js';
import { refusedValue } from '../services/refused-value.js';
import {
  ERROR_SCHEMA,
  LIST_RESPONSE_SCHEMA,
  attributeList,
  groupInput,
  groupResource,
  patchInput,
  project,
  userInput,
  userResource,
} from '../services/scim/resources.js';

/** SCIM 2.0 (RFC 7643/7644) for the account's identity provider, at the fixed public path /scim/v2. */
type ScimEnv = { Variables: AppEnv['Variables'] & { scimClient: ScimClient } };

const SCIM_JSON = 'application/scim+json';

const scimErrorSchema = z
  .object({ schemas: z.array(z.string()), status: z.string(), scimType: z.string().optional(), detail: z.string() })
  .openapi('ScimError');
const errorResponse = (description: string) => ({ description, content: { [SCIM_JSON]: { schema: scimErrorSchema } } });
const scimErrors = {
  400: errorResponse('invalidSyntax, invalidFilter, invalidValue, invalidPath, noTarget'),
  401: errorResponse('Missing, unknown or revoked SCIM token'),
  404: errorResponse('No such resource in this account'),
  409: errorResponse('uniqueness: userName, externalId or displayName already taken'),
} as const;

const meta = z.object({ resourceType: z.string(), created: z.string(), lastModified: z.string(), location: z.string() });
const userSchema = z
  .object({
    schemas: z.array(z.string()),
    id: z.string(),
    userName: z.string().optional(),
    externalId: z.string().optional(),
    displayName: z.string().optional(),
    active: z.boolean().optional(),
    meta,
  })
  .openapi('ScimUser');
const groupSchema = z
  .object({
    schemas: z.array(z.string()),
    id: z.string(),
    displayName: z.string().optional(),
    externalId: z.string().optional(),
    members: z.array(z.object({ value: z.string(), $ref: z.string(), type: z.literal('User') })).optional(),
    meta,
  })
  .openapi('ScimGroup');
const listSchema = <T extends z.ZodType>(item: T) =>
  z.object({ schemas: z.array(z.string()), totalResults: z.number().int(), startIndex: z.number().int(), itemsPerPage: z.number().int(), Resources: z.array(item) });

const scimBody = <T extends z.ZodType>(schema: T) => ({ required: true, content: { [SCIM_JSON]: { schema } } });
const scimContent = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { [SCIM_JSON]: { schema } } });

const idParam = z.object({ id: z.string().min(1).max(100).openapi({ param: { name: 'id', in: 'path' } }) });
const projection = { attributes: z.string().max(1000).optional(), excludedAttributes: z.string().max(1000).optional() };
const listQuery = z.object({
  filter: z.string().max(1000).optional().openapi({ example: 'userName eq "dana@example.com"' }),
  startIndex: z.coerce.number().int().optional(),
  count: z.coerce.number().int().optional(),
  ...projection,
});
const projectionQuery = z.object(projection);

const security = [{ scimToken: [] as string[] }];

function scimError(status: number, detail: string, scimType?: string | null) {
  return { schemas: [ERROR_SCHEMA], status: String(status), ...(scimType ? { scimType } : {}), detail };
}

/** Failed zod validation of a SCIM request, in the SCIM error schema. */
function scimValidationHook(
  result: { success: true } | { success: false; error: { issues: readonly { path: PropertyKey[]; message: string }[] } },
  c: Context<ScimEnv>,
) {
  if (result.success) return;
  const detail = result.error.issues.map((i) => `${i.path.map(String).join('.') || 'body'}: ${i.message}`).join('; ');
  return c.json(scimError(400, detail, 'invalidValue'), 400, { 'Content-Type': SCIM_JSON });
}

function scimErrorHandler(logger: Logger) {
  return (error: Error, c: Context<ScimEnv>) => {
    const send = (status: ContentfulStatusCode, detail: string, scimType?: string | null) => c.json(scimError(status, detail, scimType), status, { 'Content-Type': SCIM_JSON });
    if (error instanceof ScimError) return send(error.status, error.message, error.scimType);
    if (error instanceof DomainError) return send(error.status, error.message);
    if (error instanceof HTTPException) {
      if (error.status === 400) return send(400, 'The request body is not valid JSON.', 'invalidSyntax');
      return send(error.status as ContentfulStatusCode, error.message);
    }
    // A value the database cannot store (a NUL character): the client's to fix, not ours.
    const refused = refusedValue(error);
    if (refused) return send(400, refused.message, 'invalidValue');
    // Driver errors quote the query's parameters (user names): log what failed, not the values.
    logger.error({ error: error.name, pgCode: pgErrorCode(error) ?? null, requestId: c.get('requestId') }, 'unhandled SCIM error');
    return send(500, 'Something went wrong on our side. Nothing was changed.');
  };
}

function scimAuth(deps: Pick<ServiceDeps, 'db'>): MiddlewareHandler<ScimEnv> {
  return async (c, next) => {
    const match = c.req.header('authorization')?.match(/^Bearer\s+(\S+)$/i);
    if (!match) throw new UnauthorizedError('Send the SCIM token as a bearer token.');
    c.set('scimClient', await resolveScimClient(deps.db, match[1]!));
    await next();
  };
}

const users = '/scim/v2/Users';
const groups = '/scim/v2/Groups';

export function scimRoutes(deps: ServiceDeps) {
  const base = `${deps.publicBaseUrl.replace(/\/$/, '')}/scim/v2`;
  const auth = scimAuth(deps);
  const app = new OpenAPIHono<ScimEnv>({ defaultHook: scimValidationHook });
  app.onError(scimErrorHandler(deps.logger));
  app.openAPIRegistry.registerComponent('securitySchemes', 'scimToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'Per-account SCIM token from POST /api/admin/scim/tokens',
  });

  const send = <T extends object, S extends 200 | 201>(c: Context<ScimEnv>, body: T, status: S, headers: Record<string, string> = {}) =>
    c.json(body, status, { 'Content-Type': SCIM_JSON, ...headers });
  const listResponse = <R, T extends object>(page: ListResult<R>, map: (row: R) => T) => ({
    schemas: [LIST_RESPONSE_SCHEMA],
    totalResults: page.totalResults,
    startIndex: page.startIndex,
    itemsPerPage: page.items.length,
    Resources: page.items.map(map),
  });
  const client = (c: Context<ScimEnv>) => c.get('scimClient');

  const route = <R extends Parameters<typeof createRoute>[0]>(config: R) => createRoute({ ...config, security, middleware: [auth] as const });

  return app
    .openapi(
      route({
        method: 'get',
        path: users,
        summary: 'SCIM: list users (filter: userName, externalId or id eq "…")',
        request: { query: listQuery },
        responses: { 200: scimContent(listSchema(userSchema), 'Users'), 400: scimErrors[400], 401: scimErrors[401] },
      }),
      async (c) => {
        const query = c.req.valid('query');
        const page = await listUsers(deps.db, client(c), query);
        const [attrs, excluded] = [attributeList(query.attributes), attributeList(query.excludedAttributes)];
        return send(c, listResponse(page, (row) => project(userResource(row, base), attrs, excluded)), 200);
      },
    )
    .openapi(
      route({
        method: 'post',
        path: users,
        summary: 'SCIM: provision a user',
        request: { body: scimBody(userInput) },
        responses: { 201: scimContent(userSchema, 'Created'), 400: scimErrors[400], 401: scimErrors[401], 409: scimErrors[409] },
      }),
      async (c) => {
        const user = userResource(await createUser(deps.db, client(c), c.req.valid('json')), base);
        return send(c, user, 201, { Location: user.meta.location });
      },
    )
    .openapi(
      route({
        method: 'get',
        path: `${users}/{id}`,
        summary: 'SCIM: one user',
        request: { params: idParam, query: projectionQuery },
        responses: { 200: scimContent(userSchema, 'User'), 401: scimErrors[401], 404: scimErrors[404] },
      }),
      async (c) => {
        const query = c.req.valid('query');
        const user = userResource(await getUser(deps.db, client(c), c.req.valid('param').id), base);
        return send(c, project(user, attributeList(query.attributes), attributeList(query.excludedAttributes)), 200);
      },
    )
    .openapi(
      route({
        method: 'put',
        path: `${users}/{id}`,
        summary: 'SCIM: replace a user (active false ends their sessions)',
        request: { params: idParam, body: scimBody(userInput) },
        responses: { 200: scimContent(userSchema, 'Replaced'), 400: scimErrors[400], 401: scimErrors[401], 404: scimErrors[404], 409: scimErrors[409] },
      }),
      async (c) => send(c, userResource(await replaceUser(deps.db, client(c), c.req.valid('param').id, c.req.valid('json')), base), 200),
    )
    .openapi(
      route({
        method: 'patch',
        path: `${users}/{id}`,
        summary: 'SCIM: modify a user with PatchOp (active false ends their sessions)',
        request: { params: idParam, body: scimBody(patchInput) },
        responses: { 200: scimContent(userSchema, 'Modified'), 400: scimErrors[400], 401: scimErrors[401], 404: scimErrors[404], 409: scimErrors[409] },
      }),
      async (c) => send(c, userResource(await patchUser(deps.db, client(c), c.req.valid('param').id, c.req.valid('json')), base), 200),
    )
    .openapi(
      route({
        method: 'delete',
        path: `${users}/{id}`,
        summary: 'SCIM: delete a user (kept deactivated when calls refer to them); their sessions end',
        request: { params: idParam },
        responses: { 204: { description: 'Deleted' }, 401: scimErrors[401], 404: scimErrors[404] },
      }),
      async (c) => {
        await deleteUser(deps.db, client(c), c.req.valid('param').id);
        return c.body(null, 204);
      },
    )
    .openapi(
      route({
        method: 'get',
        path: groups,
        summary: 'SCIM: list groups (filter: displayName, externalId or id eq "…")',
        request: { query: listQuery },
        responses: { 200: scimContent(listSchema(groupSchema), 'Groups'), 400: scimErrors[400], 401: scimErrors[401] },
      }),
      async (c) => {
        const query = c.req.valid('query');
        const [attrs, excluded] = [attributeList(query.attributes), attributeList(query.excludedAttributes)];
        const withMembers = attrs ? attrs.has('members') : !excluded?.has('members');
        const page = await listGroups(deps.db, client(c), { ...query, withMembers });
        return send(c, listResponse(page, (row) => project(groupResource(row, base), attrs, excluded)), 200);
      },
    )
    .openapi(
      route({
        method: 'post',
        path: groups,
        summary: 'SCIM: create a group',
        request: { body: scimBody(groupInput) },
        responses: { 201: scimContent(groupSchema, 'Created'), 400: scimErrors[400], 401: scimErrors[401], 409: scimErrors[409] },
      }),
      async (c) => {
        const group = groupResource(await createGroup(deps.db, client(c), c.req.valid('json')), base);
        return send(c, group, 201, { Location: group.meta.location });
      },
    )
    .openapi(
      route({
        method: 'get',
        path: `${groups}/{id}`,
        summary: 'SCIM: one group',
        request: { params: idParam, query: projectionQuery },
        responses: { 200: scimContent(groupSchema, 'Group'), 401: scimErrors[401], 404: scimErrors[404] },
      }),
      async (c) => {
        const query = c.req.valid('query');
        const group = groupResource(await getGroup(deps.db, client(c), c.req.valid('param').id), base);
        return send(c, project(group, attributeList(query.attributes), attributeList(query.excludedAttributes)), 200);
      },
    )
    .openapi(
      route({
        method: 'put',
        path: `${groups}/{id}`,
        summary: 'SCIM: replace a group and its members',
        request: { params: idParam, body: scimBody(groupInput) },
        responses: { 200: scimContent(groupSchema, 'Replaced'), 400: scimErrors[400], 401: scimErrors[401], 404: scimErrors[404], 409: scimErrors[409] },
      }),
      async (c) => send(c, groupResource(await replaceGroup(deps.db, client(c), c.req.valid('param').id, c.req.valid('json')), base), 200),
    )
    .openapi(
      route({
        method: 'patch',
        path: `${groups}/{id}`,
        summary: 'SCIM: add/remove/replace members, rename',
        request: { params: idParam, body: scimBody(patchInput) },
        responses: { 200: scimContent(groupSchema, 'Modified'), 400: scimErrors[400], 401: scimErrors[401], 404: scimErrors[404], 409: scimErrors[409] },
      }),
      async (c) => send(c, groupResource(await patchGroup(deps.db, client(c), c.req.valid('param').id, c.req.valid('json')), base), 200),
    )
    .openapi(
      route({
        method: 'delete',
        path: `${groups}/{id}`,
        summary: 'SCIM: delete a group; its members lose what it granted',
        request: { params: idParam },
        responses: { 204: { description: 'Deleted' }, 401: scimErrors[401], 404: scimErrors[404] },
      }),
      async (c) => {
        await deleteGroup(deps.db, client(c), c.req.valid('param').id);
        return c.body(null, 204);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/scim/v2/ServiceProviderConfig',
        summary: 'SCIM: what this service provider supports (no token needed; the same for every account)',
        responses: { 200: scimContent(z.looseObject({ schemas: z.array(z.string()) }), 'Configuration') },
      }),
      (c) => send(c, serviceProviderConfig(base), 200),
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/scim/v2/Schemas',
        summary: 'SCIM: the User and Group schemas as Parley keeps them',
        responses: { 200: scimContent(z.looseObject({ Resources: z.array(z.looseObject({ id: z.string() })) }), 'Schemas') },
      }),
      (c) => send(c, listOf(schemas(base)), 200),
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/scim/v2/Schemas/{id}',
        summary: 'SCIM: one schema',
        request: { params: idParam },
        responses: { 200: scimContent(z.looseObject({ id: z.string() }), 'Schema'), 404: scimErrors[404] },
      }),
      (c) => {
        const found = schemas(base).find((s) => s.id === c.req.valid('param').id);
        if (!found) throw new ScimError(404, null, 'No such schema.');
        return send(c, found, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/scim/v2/ResourceTypes',
        summary: 'SCIM: the resource types served (User, Group)',
        responses: { 200: scimContent(z.looseObject({ Resources: z.array(z.looseObject({ id: z.string() })) }), 'Resource types') },
      }),
      (c) => send(c, listOf(resourceTypes(base)), 200),
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/scim/v2/ResourceTypes/{id}',
        summary: 'SCIM: one resource type',
        request: { params: idParam },
        responses: { 200: scimContent(z.looseObject({ id: z.string() }), 'Resource type'), 404: scimErrors[404] },
      }),
      (c) => {
        const found = resourceTypes(base).find((t) => t.id === c.req.valid('param').id);
        if (!found) throw new ScimError(404, null, 'No such resource type.');
        return send(c, found, 200);
      },
    )
    .all('/scim/v2/*', (c) => c.json(scimError(404, 'No such SCIM endpoint.'), 404, { 'Content-Type': SCIM_JSON }));
}
