import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { authenticate } from '../http/auth.js';
import type { AppEnv } from '../http/context.js';
import { validationHook } from '../http/errors.js';
import { signOutEverywhere } from '../services/agents/sign-out.js';
import { whoAmI } from '../services/agents/who-am-i.js';
import { actions } from '../services/access/permissions.js';
import type { ServiceDeps } from '../services/deps.js';
import { bearer, errors, json } from './schemas.js';

const meSchema = z
  .object({
    id: z.uuid(),
    displayName: z.string(),
    tenantId: z.uuid(),
    /** Role names, for display; what the user may do is decided per request. */
    roles: z.array(z.string()),
    /** Actions granted for at least one meeting type; the console shows only what these allow. */
    actions: z.array(z.enum(actions)),
  })
  .openapi('Me');

const meRoute = createRoute({
  method: 'get',
  path: '/api/me',
  summary: 'Who the session belongs to: name, account and roles',
  security: bearer,
  responses: { 200: json(meSchema, 'The signed-in user'), 401: errors[401], 403: errors[403] },
});

const signOutRoute = createRoute({
  method: 'post',
  path: '/api/me/sign-out',
  summary: 'Sign out everywhere: every session of this user ends on its next request (audited)',
  security: bearer,
  responses: { 204: { description: 'Signed out' }, 401: errors[401], 403: errors[403] },
});

export function meRoutes(deps: ServiceDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use('/api/me', authenticate(deps));
  app.use('/api/me/*', authenticate(deps));
  return app
    .openapi(meRoute, async (c) => {
      const me = await whoAmI(deps.db, c.get('principal'));
      c.header('Cache-Control', 'no-store');
      return c.json({ id: me.agentId, displayName: me.displayName, tenantId: me.tenantId, roles: me.roles, actions: me.actions }, 200);
    })
    .openapi(signOutRoute, async (c) => {
      await signOutEverywhere(deps.db, c.get('principal'));
      return c.body(null, 204);
    });
}
