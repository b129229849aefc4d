import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { authenticate } from '../http/auth.js';
import type { AppEnv } from '../http/context.js';
import { validationHook } from '../http/errors.js';
import type { ServiceDeps } from '../services/deps.js';
import { extendDsarInput, extendDsarRequest } from '../services/dsar/extend.js';
import { getDsarRequest } from '../services/dsar/get.js';
import { listDsarRequests } from '../services/dsar/list.js';
import { receiveDsarInput, receiveDsarRequest } from '../services/dsar/receive.js';
import { bearer, errors, idParam, json, nextCursor, pageCursor, pageLimit } from './schemas.js';

const dsarSchema = z
  .object({
    id: z.uuid(),
    kind: z.enum(['access', 'erasure']),
    state: z.enum(['received', 'in_progress', 'completed', 'refused', 'partially_refused']),
    customerId: z.uuid().nullable(),
    /** False: Parley holds nothing about the subject; the answer is "no data held". */
    subjectKnown: z.boolean(),
    verification: z.object({ method: z.string(), verifiedBy: z.uuid().nullable() }),
    receivedAt: z.string(),
    dueAt: z.string(),
    /** Whole days until the due date while the request is open; null once answered. */
    daysLeft: z.number().int().nullable(),
    overdue: z.boolean(),
    extended: z.boolean(),
    extensionReason: z.string().nullable(),
    progress: z.object({ done: z.number().int(), total: z.number().int() }),
    /** What was erased or exported, refused (with the legal reason and until when) and not done. */
    outcome: z.record(z.string(), z.unknown()).nullable(),
    nextRunAt: z.string().nullable(),
    lastError: z.string().nullable(),
    completedAt: z.string().nullable(),
  })
  .openapi('DataSubjectRequest');

const receiveRoute = createRoute({
  method: 'post',
  path: '/api/dsar',
  summary: 'Record an access (Art. 15) or erasure (Art. 17) request; due 30 days after receipt (DPO)',
  security: bearer,
  request: { body: { required: true, content: { 'application/json': { schema: receiveDsarInput.openapi('DataSubjectRequestInput') } } } },
  responses: {
    201: json(
      z.object({
        request: dsarSchema.openapi({ description: 'The first request made.' }),
        requests: z.array(dsarSchema).openapi({
          description: 'Every request made: one per customer record of the subject (an email several records carry names them all), with one deadline.',
        }),
      }),
      'Received',
    ),
    400: errors[400],
    401: errors[401],
    403: errors[403],
    409: errors[409],
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/api/dsar/{id}',
  summary: 'One request: state, due date, progress and outcome (DPO)',
  security: bearer,
  request: { params: idParam },
  responses: { 200: json(z.object({ request: dsarSchema }), 'Request'), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404] },
});

const listRoute = createRoute({
  method: 'get',
  path: '/api/dsar',
  summary: 'Every request, a page at a time: open ones first, nearest deadline on top; then answered ones, newest first (DPO)',
  security: bearer,
  request: { query: z.object({ limit: pageLimit(200, 50), cursor: pageCursor }).strict() },
  responses: { 200: json(z.object({ requests: z.array(dsarSchema), nextCursor }), 'One page'), 400: errors[400], 401: errors[401], 403: errors[403] },
});

const extendRoute = createRoute({
  method: 'post',
  path: '/api/dsar/{id}/extend',
  summary: 'Extend the deadline once by up to two months, with a reason the requester is told (Art. 12(3)) (DPO)',
  security: bearer,
  request: { params: idParam, body: { required: true, content: { 'application/json': { schema: extendDsarInput.openapi('DataSubjectRequestExtension') } } } },
  responses: {
    200: json(z.object({ request: dsarSchema }), 'Extended'),
    400: errors[400],
    401: errors[401],
    403: errors[403],
    404: errors[404],
    409: errors[409],
  },
});

export function dsarRoutes(deps: ServiceDeps & { onDsarReceived?: () => void }) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use('/api/dsar', authenticate(deps));
  app.use('/api/dsar/*', authenticate(deps));
  const requestDeps = { db: deps.db, masterKeys: deps.recordings.masterKeys };
  return app
    .openapi(receiveRoute, async (c) => {
      const requests = await receiveDsarRequest(requestDeps, c.get('principal'), c.req.valid('json'));
      deps.onDsarReceived?.();
      return c.json({ request: requests[0]!, requests }, 201);
    })
    .openapi(listRoute, async (c) => c.json(await listDsarRequests(deps, c.get('principal'), c.req.valid('query')), 200))
    .openapi(getRoute, async (c) => c.json({ request: await getDsarRequest(deps, c.get('principal'), c.req.valid('param').id) }, 200))
    .openapi(extendRoute, async (c) =>
      c.json({ request: await extendDsarRequest(deps, c.get('principal'), c.req.valid('param').id, c.req.valid('json')) }, 200),
    );
}
