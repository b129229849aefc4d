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

const ticketCommentsRoute = createRoute({
  method: 'get',
  path: '/api/demo/tickets/{id}/comments',
  summary: 'Demo only: the comments the in-process fake Zendesk holds for a ticket, so the demo page can show them',
  request: { params: z.object({ id: z.string().regex(/^\d{1,12}$/).openapi({ param: { name: 'id', in: 'path' } }) }) },
  responses: {
    200: json(
      z.object({
        comments: z.array(z.object({ id: z.number(), body: z.string(), public: z.boolean(), created_at: z.string() }).passthrough()),
      }),
      'Comments, oldest first',
    ),
    400: errors[400],
  },
});

/** Mounted only in demo mode, so a production install has no such route at all. */
export function demoRoutes(deps: ServiceDeps, options: { ticketComments?: (ticketId: string) => unknown[] } = {}) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.openapi(demoSessionRoute, async (c) => {
    const result = await signInDemoAgent(deps.db, deps.tokens, c.req.valid('json'), deps.recordings.stores);
    return c.json({ ...result, expiresAt: result.expiresAt.toISOString() }, 201);
  });
  const { ticketComments } = options;
  if (ticketComments) {
    app.openapi(ticketCommentsRoute, (c) => {
      const comments = ticketComments(c.req.valid('param').id) as { id: number; body: string; public: boolean; created_at: string }[];
      return c.json({ comments: [...comments].sort((a, b) => a.id - b.id) }, 200);
    });
  }
  return app;
}
