import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { authenticate } from '../http/auth.js';
import type { AppEnv } from '../http/context.js';
import { validationHook } from '../http/errors.js';
import { actions } from '../services/access/permissions.js';
import type { ServiceDeps } from '../services/deps.js';
import { assignAccess, assignmentInput } from '../services/roles/assign.js';
import { listRoles } from '../services/roles/list.js';
import { listUsers } from '../services/roles/list-users.js';
import { roleInput } from '../services/roles/role-input.js';
import { deleteRole, saveRole } from '../services/roles/save.js';
import { bearer, errors, idParam, json, nextCursor, pageCursor, pageLimit } from './schemas.js';

const roleSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    builtIn: z.boolean(),
    allClients: z.boolean(),
    grants: z.partialRecord(z.enum(actions), z.union([z.literal('all'), z.array(z.string())])),
  })
  .openapi('Role');

const userSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    host: z.enum(['zendesk', 'teams']),
    active: z.boolean(),
    roles: z.array(z.object({ name: z.string(), source: z.enum(['host', 'admin']) })),
    clients: z.array(z.object({ kind: z.string(), externalId: z.string(), name: z.string().nullable(), source: z.enum(['host', 'admin']) })),
  })
  .openapi('User');

const body = <T extends z.ZodType>(schema: T, name: string) => ({ required: true, content: { 'application/json': { schema: schema.openapi(name) } } });

const listRolesRoute = createRoute({
  method: 'get',
  path: '/api/admin/roles',
  summary: 'Roles of this account and what each may do',
  security: bearer,
  responses: { 200: json(z.object({ roles: z.array(roleSchema) }), 'Roles'), 401: errors[401], 403: errors[403] },
});

const createRoleRoute = createRoute({
  method: 'post',
  path: '/api/admin/roles',
  summary: 'Create a custom role (audited)',
  security: bearer,
  request: { body: body(roleInput, 'RoleInput') },
  responses: { 201: json(z.object({ id: z.uuid() }), 'Created'), 400: errors[400], 401: errors[401], 403: errors[403], 409: errors[409], 422: errors[422] },
});

const updateRoleRoute = createRoute({
  method: 'put',
  path: '/api/admin/roles/{id}',
  summary: 'Change a custom role; its users get the change on their next request (audited)',
  security: bearer,
  request: { params: idParam, body: body(roleInput, 'RoleInput') },
  responses: { 200: json(z.object({ id: z.uuid() }), 'Changed'), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404], 409: errors[409], 422: errors[422] },
});

const deleteRoleRoute = createRoute({
  method: 'delete',
  path: '/api/admin/roles/{id}',
  summary: 'Delete a custom role (audited)',
  security: bearer,
  request: { params: idParam },
  responses: { 204: { description: 'Deleted' }, 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404] },
});

const listUsersRoute = createRoute({
  method: 'get',
  path: '/api/admin/users',
  summary: 'Users of this account by name, a page at a time, with their roles and clients and where each assignment came from',
  security: bearer,
  request: {
    query: z
      .object({
        limit: pageLimit(200, 50),
        cursor: pageCursor,
        q: z.string().trim().min(1).max(200).optional().openapi({ description: 'Part of a name or sign-in name, or a whole host user id.' }),
      })
      .strict(),
  },
  responses: {
    200: json(z.object({ users: z.array(userSchema), nextCursor }), 'One page'),
    400: errors[400],
    401: errors[401],
    403: errors[403],
  },
});

const assignRoute = createRoute({
  method: 'put',
  path: '/api/admin/users/{id}/access',
  summary: 'Set the roles and clients assigned to a user in Parley (audited)',
  security: bearer,
  request: { params: idParam, body: body(assignmentInput, 'AccessAssignment') },
  responses: {
    200: json(z.object({ id: z.uuid(), roles: z.array(z.string()), clients: z.number() }), 'Assigned'),
    400: errors[400],
    401: errors[401],
    403: errors[403],
    404: errors[404],
    422: errors[422],
  },
});

/** Roles, users and their client assignments: who may see what. */
export function adminAccessRoutes(deps: ServiceDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use('/api/admin/roles', authenticate(deps));
  app.use('/api/admin/roles/*', authenticate(deps));
  app.use('/api/admin/users', authenticate(deps));
  app.use('/api/admin/users/*', authenticate(deps));
  return app
    .openapi(listRolesRoute, async (c) => c.json({ roles: await listRoles(deps.db, c.get('principal')) }, 200))
    .openapi(createRoleRoute, async (c) => c.json(await saveRole(deps.db, c.get('principal'), c.req.valid('json')), 201))
    .openapi(updateRoleRoute, async (c) => c.json(await saveRole(deps.db, c.get('principal'), c.req.valid('json'), c.req.valid('param').id), 200))
    .openapi(deleteRoleRoute, async (c) => {
      await deleteRole(deps.db, c.get('principal'), c.req.valid('param').id);
      return c.body(null, 204);
    })
    .openapi(listUsersRoute, async (c) => c.json(await listUsers(deps.db, c.get('principal'), c.req.valid('query')), 200))
    .openapi(assignRoute, async (c) => c.json(await assignAccess(deps.db, c.get('principal'), c.req.valid('param').id, c.req.valid('json')), 200));
}
