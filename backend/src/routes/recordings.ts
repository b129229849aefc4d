import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { authenticate, requireAgent } from '../http/auth.js';
import type { AppEnv } from '../http/context.js';
import { validationHook } from '../http/errors.js';
import type { ServiceDeps } from '../services/deps.js';
import { deleteRecording, deleteRecordingInput } from '../services/recordings/delete.js';
import { getRecording } from '../services/recordings/get.js';
import { listCaseRecordings } from '../services/recordings/list-for-case.js';
import { listCustomerRecordings } from '../services/recordings/list-for-customer.js';
import { startPlayback } from '../services/recordings/start-playback.js';
import { bearer, caseParams, errors, idParam, json, nextCursor, pageCursor, pageLimit, recordingSchema } from './schemas.js';


const listRoute = createRoute({
  method: 'get',
  path: '/api/customers/{id}/recordings',
  summary: "A customer's recordings, newest first, a page at a time",
  security: bearer,
  request: { params: idParam, query: z.object({ limit: pageLimit(200, 50), cursor: pageCursor }).strict() },
  responses: {
    200: json(z.object({ recordings: z.array(recordingSchema), nextCursor }), 'Recordings'),
    400: errors[400],
    401: errors[401],
    403: errors[403],
    404: errors[404],
  },
});

const caseListRoute = createRoute({
  method: 'get',
  path: '/api/cases/{host}/{externalId}/recordings',
  summary: 'The recordings of a ticket or chat, by the id its host gives it, newest first',
  security: bearer,
  request: { params: caseParams },
  responses: { 200: json(z.object({ recordings: z.array(recordingSchema) }), 'Recordings'), 400: errors[400], 401: errors[401], 403: errors[403] },
});

const getRoute = createRoute({
  method: 'get',
  path: '/api/recordings/{id}',
  summary: 'One recording and where it is in processing',
  security: bearer,
  request: { params: idParam },
  responses: { 200: json(z.object({ recording: recordingSchema }), 'The recording'), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404] },
});

const playbackRoute = createRoute({
  method: 'post',
  path: '/api/recordings/{id}/playback',
  summary: 'A stream link for this viewer and this recording, valid at most five minutes (audited)',
  security: bearer,
  request: { params: idParam },
  responses: {
    201: json(z.object({ streamUrl: z.url(), viewerUrl: z.url(), expiresAt: z.string() }), 'Playback link'),
    400: errors[400],
    401: errors[401],
    403: errors[403],
    404: errors[404],
    409: errors[409],
    410: errors[410],
  },
});

const deleteRoute = createRoute({
  method: 'delete',
  path: '/api/recordings/{id}',
  summary: 'Delete a recording before its retention ends: its key is destroyed, then the stored file (audited)',
  security: bearer,
  request: { params: idParam, body: { required: true, content: { 'application/json': { schema: deleteRecordingInput.openapi('DeleteRecording') } } } },
  responses: {
    200: json(z.object({ id: z.uuid(), deletedAt: z.string(), blobRemoved: z.boolean() }), 'Deleted; `blobRemoved` false means the stored file is removed on a later retry'),
    400: errors[400],
    401: errors[401],
    403: errors[403],
    404: errors[404],
    409: errors[409],
    410: errors[410],
  },
});

export function recordingRoutes(deps: ServiceDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use('/api/customers/*', authenticate(deps));
  app.use('/api/cases/*', authenticate(deps));
  app.use('/api/recordings/*', authenticate(deps));
  return app
    .openapi(listRoute, async (c) => {
      return c.json(await listCustomerRecordings(deps, c.get('principal'), c.req.valid('param').id, c.req.valid('query')), 200);
    })
    .openapi(caseListRoute, async (c) => {
      const { host, externalId } = c.req.valid('param');
      return c.json({ recordings: await listCaseRecordings(deps, c.get('principal'), host, externalId) }, 200);
    })
    .openapi(getRoute, async (c) => {
      return c.json({ recording: await getRecording(deps, c.get('principal'), c.req.valid('param').id) }, 200);
    })
    .openapi(playbackRoute, async (c) => {
      return c.json(await startPlayback(deps, requireAgent(c.get('principal')), c.req.valid('param').id), 201);
    })
    .openapi(deleteRoute, async (c) => {
      return c.json(await deleteRecording(deps, c.get('principal'), c.req.valid('param').id, c.req.valid('json')), 200);
    });
}
