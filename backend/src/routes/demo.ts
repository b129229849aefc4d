import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../http/context.js';
import { validationHook } from '../http/errors.js';
import type { ServiceDeps } from '../services/deps.js';
import { demoSignInInput, signInDemoAgent } from '../services/sessions/sign-in-demo.js';
import { errors, json } from './schemas.js';

const demoSessionRoute = createRoute({
  method: 'post',
  path: '/api/demo/session',
  summary: 'Demo sign-in (only when PARLEY_DEMO=1): trusts the ids it is given',
  request: { body: { required: true, content: { 'application/json': { schema: demoSignInInput.openapi('DemoSignIn') } } } },
  responses: {
    201: json(z.object({ token: z.string(), expiresAt: z.string(), agent: z.object({ id: z.uuid(), name: z.string() }) }), 'Signed in'),
    400: errors[400],
  },
});

/** Mounted only in demo mode, so a production install has no such route at all. */
export function demoRoutes(deps: ServiceDeps) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(demoSessionRoute, async (c) => {
    const result = await signInDemoAgent(deps.db, deps.tokens, c.req.valid('json'));
    return c.json({ ...result, expiresAt: result.expiresAt.toISOString() }, 201);
  });
}
