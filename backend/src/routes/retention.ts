import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { authenticate } from '../http/auth.js';
import type { AppEnv } from '../http/context.js';
import { validationHook } from '../http/errors.js';
import type { ServiceDeps } from '../services/deps.js';
import { listLegalHolds, placeHoldInput, placeLegalHold, releaseLegalHold } from '../services/legal-holds/place.js';
import { changeRetention, retentionInput } from '../services/retention/change-periods.js';
import { bearer, errors, idParam, json } from './schemas.js';

const holdSchema = z
  .object({
    id: z.uuid(),
    targetType: z.enum(['case', 'customer', 'recording']),
    targetId: z.uuid(),
    reference: z.string(),
    placedAt: z.string(),
    releasedAt: z.string().nullable(),
  })
  .openapi('LegalHold');

const periodsSchema = z.object({ recordingDays: z.number(), metadataDays: z.number(), consentDays: z.number() });

const placeRoute = createRoute({
  method: 'post',
  path: '/api/legal-holds',
  summary: 'Place a legal hold on a case, customer or recording: nothing it covers is deleted until it is released (audited)',
  security: bearer,
  request: { body: { required: true, content: { 'application/json': { schema: placeHoldInput.openapi('PlaceLegalHold') } } } },
  responses: { 201: json(z.object({ hold: holdSchema }), 'Placed'), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404], 409: errors[409] },
});

const listRoute = createRoute({
  method: 'get',
  path: '/api/legal-holds',
  summary: 'Legal holds in place',
  security: bearer,
  responses: { 200: json(z.object({ holds: z.array(holdSchema) }), 'Holds in place'), 401: errors[401], 403: errors[403] },
});

const releaseRoute = createRoute({
  method: 'post',
  path: '/api/legal-holds/{id}/release',
  summary: 'Release a legal hold (audited); retention then applies again',
  security: bearer,
  request: { params: idParam },
  responses: { 200: json(z.object({ hold: holdSchema }), 'Released'), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404] },
});

const retentionRoute = createRoute({
  method: 'put',
  path: '/api/admin/meeting-types/{id}/retention',
  summary: 'Preview (confirm: false) or save (confirm: true) a meeting type’s retention periods, with how many items the next run would delete',
  security: bearer,
  request: { params: idParam, body: { required: true, content: { 'application/json': { schema: retentionInput.openapi('RetentionPeriods') } } } },
  responses: {
    200: json(
      z.object({
        saved: z.boolean(),
        current: periodsSchema,
        affected: z.object({ recordings: z.number(), consentRecords: z.number(), calls: z.number(), heldRecordings: z.number() }),
      }),
      'What the periods would delete at the next run, and whether they were saved',
    ),
    400: errors[400],
    401: errors[401],
    403: errors[403],
    404: errors[404],
  },
});

/** Legal holds and retention periods: what is kept, and for how long. */
export function retentionRoutes(deps: ServiceDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use('/api/legal-holds', authenticate(deps));
  app.use('/api/legal-holds/*', authenticate(deps));
  app.use('/api/admin/meeting-types/*', authenticate(deps));
  return app
    .openapi(placeRoute, async (c) => c.json({ hold: await placeLegalHold(deps.db, c.get('principal'), c.req.valid('json')) }, 201))
    .openapi(listRoute, async (c) => c.json({ holds: await listLegalHolds(deps.db, c.get('principal')) }, 200))
    .openapi(releaseRoute, async (c) => c.json({ hold: await releaseLegalHold(deps.db, c.get('principal'), c.req.valid('param').id) }, 200))
    .openapi(retentionRoute, async (c) => c.json(await changeRetention(deps.db, c.get('principal'), c.req.valid('param').id, c.req.valid('json')), 200));
}
