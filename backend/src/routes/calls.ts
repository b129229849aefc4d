import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { authenticate, requireAgent, requireParticipant } from '../http/auth.js';
import type { AppEnv } from '../http/context.js';
import { validationHook } from '../http/errors.js';
import type { ServiceDeps } from '../services/deps.js';
import { endCall } from '../services/calls/end.js';
import { escalateCall, escalateInput } from '../services/calls/escalate.js';
import { getCall } from '../services/calls/get.js';
import { admission, admitParticipant, removeParticipant } from '../services/calls/lobby.js';
import { listSupervisableCalls, superviseCall } from '../services/calls/supervise.js';
import { issueAgentLink, listOwnOpenCalls } from '../services/calls/own-calls.js';
import { presenceInput, recordPresence } from '../services/calls/record-presence.js';
import { recordingToggleInput, setRecording } from '../services/calls/set-recording.js';
import { listMeetingTypes } from '../services/meeting-types/list.js';
import { getCallRecording } from '../services/recordings/get.js';
import { bearer, callViewSchema, caseParams, errors, idParam, json, mediaGrantSchema, meetingTypeSchema, recordingSchema } from './schemas.js';

const listMeetingTypesRoute = createRoute({
  method: 'get',
  path: '/api/meeting-types',
  summary: 'Meeting types the agent can escalate to',
  security: bearer,
  responses: { 200: json(z.object({ meetingTypes: z.array(meetingTypeSchema) }), 'Meeting types'), 401: errors[401], 403: errors[403] },
});

const escalateRoute = createRoute({
  method: 'post',
  path: '/api/calls',
  summary: 'Escalate a ticket or chat to a video call',
  security: bearer,
  request: { body: { required: true, content: { 'application/json': { schema: escalateInput.openapi('EscalateRequest') } } } },
  responses: {
    201: json(z.object({ call: callViewSchema, links: z.object({ customer: z.url(), agent: z.url() }) }), 'Call created'),
    400: errors[400],
    401: errors[401],
    403: errors[403],
    404: errors[404],
    503: errors[503],
    507: errors[507],
  },
});

const getCallRoute = createRoute({
  method: 'get',
  path: '/api/calls/{id}',
  summary: 'A call and its state',
  security: bearer,
  request: { params: idParam },
  responses: { 200: json(z.object({ call: callViewSchema }), 'The call'), 401: errors[401], 403: errors[403], 404: errors[404] },
});

const endCallRoute = createRoute({
  method: 'post',
  path: '/api/calls/{id}/end',
  summary: 'End a call for everyone and destroy its room',
  security: bearer,
  request: { params: idParam },
  responses: { 200: json(z.object({ call: callViewSchema }), 'The ended call'), 401: errors[401], 403: errors[403], 404: errors[404], 409: errors[409] },
});

const presenceRoute = createRoute({
  method: 'post',
  path: '/api/calls/{id}/presence',
  summary: 'A participant reports joining or leaving the room',
  security: bearer,
  request: { params: idParam, body: { required: true, content: { 'application/json': { schema: presenceInput } } } },
  responses: { 200: json(z.object({ call: callViewSchema }), 'The call'), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404], 503: errors[503], 507: errors[507] },
});

const recordingRoute = createRoute({
  method: 'post',
  path: '/api/calls/{id}/recording',
  summary: 'Switch recording: the agent where the meeting type makes it optional (with consent); the customer may only stop it (withdrawal)',
  security: bearer,
  request: { params: idParam, body: { required: true, content: { 'application/json': { schema: recordingToggleInput } } } },
  responses: {
    200: json(z.object({ call: callViewSchema }), 'The call'),
    400: errors[400],
    401: errors[401],
    403: errors[403],
    404: errors[404],
    409: errors[409],
    422: errors[422],
    503: errors[503],
    507: errors[507],
  },
});

const callRecordingRoute = createRoute({
  method: 'get',
  path: '/api/calls/{id}/recording',
  summary: "A call's recording, once it has one",
  security: bearer,
  request: { params: idParam },
  responses: { 200: json(z.object({ recording: recordingSchema }), 'The recording'), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404] },
});

const admissionRoute = createRoute({
  method: 'get',
  path: '/api/calls/{id}/admission',
  summary: "The waiting customer's place in the lobby; media credentials once the agent lets them in",
  security: bearer,
  request: { params: idParam },
  responses: {
    200: json(z.object({ admission: z.enum(['waiting', 'admitted']), media: mediaGrantSchema.nullable() }).openapi('Admission'), 'Where the participant stands'),
    401: errors[401],
    403: errors[403],
    404: errors[404],
    409: errors[409],
    410: errors[410],
  },
});

const participantParams = idParam.extend({
  participantId: z.uuid().openapi({ param: { name: 'participantId', in: 'path' } }),
});

const admitRoute = createRoute({
  method: 'post',
  path: '/api/calls/{id}/participants/{participantId}/admit',
  summary: 'The agent lets the waiting customer in from the lobby',
  security: bearer,
  request: { params: participantParams },
  responses: { 200: json(z.object({ call: callViewSchema }), 'The call'), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404], 409: errors[409], 503: errors[503] },
});

const removeRoute = createRoute({
  method: 'post',
  path: '/api/calls/{id}/participants/{participantId}/remove',
  summary: 'The agent turns the customer away from the lobby or removes them from the call',
  security: bearer,
  request: { params: participantParams },
  responses: { 200: json(z.object({ call: callViewSchema }), 'The call'), 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404], 503: errors[503] },
});

const superviseRoute = createRoute({
  method: 'post',
  path: '/api/calls/{id}/supervise',
  summary: 'A supervisor asks to listen to a running call, where its meeting type and the notice the customer agreed to allow it',
  security: bearer,
  request: { params: idParam },
  responses: {
    201: json(z.object({ link: z.url(), expiresAt: z.string() }).openapi('SupervisionLink'), 'A single-use link to the listen-only call view'),
    401: errors[401],
    403: errors[403],
    404: errors[404],
    409: errors[409],
  },
});

const liveCallsRoute = createRoute({
  method: 'get',
  path: '/api/cases/{host}/{externalId}/live-calls',
  summary: 'The running calls of a ticket or chat this user may listen to silently, newest first',
  security: bearer,
  request: { params: caseParams },
  responses: {
    200: json(
      z.object({
        calls: z.array(z.object({ id: z.uuid(), state: z.enum(['created', 'active', 'ended', 'failed']), meetingTypeName: z.string(), startedAt: z.string().nullable() })),
      }),
      'Calls',
    ),
    400: errors[400],
    401: errors[401],
    403: errors[403],
  },
});

const ownOpenCallsRoute = createRoute({
  method: 'get',
  path: '/api/cases/{host}/{externalId}/my-open-calls',
  summary: 'The calls this agent escalated from a ticket or chat that have not ended, newest first',
  security: bearer,
  request: { params: caseParams },
  responses: { 200: json(z.object({ calls: z.array(callViewSchema) }), 'Calls'), 400: errors[400], 401: errors[401], 403: errors[403] },
});

const agentLinkRoute = createRoute({
  method: 'post',
  path: '/api/calls/{id}/agent-link',
  summary: 'A fresh single-use link into the call view for the agent who escalated the call; earlier unused links stop working',
  security: bearer,
  request: { params: idParam },
  responses: {
    201: json(z.object({ link: z.url(), expiresAt: z.string() }).openapi('AgentCallLink'), 'A single-use link to the call view'),
    401: errors[401],
    403: errors[403],
    404: errors[404],
    409: errors[409],
  },
});

export function callRoutes(deps: ServiceDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use('/api/meeting-types', authenticate(deps));
  app.use('/api/calls', authenticate(deps));
  app.use('/api/calls/*', authenticate(deps));
  app.use('/api/cases/:host/:externalId/live-calls', authenticate(deps));
  app.use('/api/cases/:host/:externalId/my-open-calls', authenticate(deps));
  return app
    .openapi(listMeetingTypesRoute, async (c) => {
      const meetingTypes = await listMeetingTypes(deps.db, requireAgent(c.get('principal')));
      return c.json({ meetingTypes }, 200);
    })
    .openapi(escalateRoute, async (c) => {
      const result = await escalateCall(deps, requireAgent(c.get('principal')), c.req.valid('json'));
      return c.json(result, 201);
    })
    .openapi(getCallRoute, async (c) => {
      return c.json({ call: await getCall(deps, c.get('principal'), c.req.valid('param').id) }, 200);
    })
    .openapi(endCallRoute, async (c) => {
      return c.json({ call: await endCall(deps, c.get('principal'), c.req.valid('param').id) }, 200);
    })
    .openapi(recordingRoute, async (c) => {
      return c.json({ call: await setRecording(deps, c.get('principal'), c.req.valid('param').id, c.req.valid('json')) }, 200);
    })
    .openapi(callRecordingRoute, async (c) => {
      return c.json({ recording: await getCallRecording(deps, c.get('principal'), c.req.valid('param').id) }, 200);
    })
    .openapi(admissionRoute, async (c) => {
      return c.json(await admission(deps, requireParticipant(c.get('principal')), c.req.valid('param').id), 200);
    })
    .openapi(admitRoute, async (c) => {
      const { id, participantId } = c.req.valid('param');
      return c.json({ call: await admitParticipant(deps, requireParticipant(c.get('principal')), id, participantId) }, 200);
    })
    .openapi(removeRoute, async (c) => {
      const { id, participantId } = c.req.valid('param');
      return c.json({ call: await removeParticipant(deps, requireParticipant(c.get('principal')), id, participantId) }, 200);
    })
    .openapi(liveCallsRoute, async (c) => {
      const { host, externalId } = c.req.valid('param');
      return c.json({ calls: await listSupervisableCalls(deps, requireAgent(c.get('principal')), host, externalId) }, 200);
    })
    .openapi(ownOpenCallsRoute, async (c) => {
      const { host, externalId } = c.req.valid('param');
      return c.json({ calls: await listOwnOpenCalls(deps, requireAgent(c.get('principal')), host, externalId) }, 200);
    })
    .openapi(agentLinkRoute, async (c) => {
      return c.json(await issueAgentLink(deps, requireAgent(c.get('principal')), c.req.valid('param').id), 201);
    })
    .openapi(superviseRoute, async (c) => {
      return c.json(await superviseCall(deps, requireAgent(c.get('principal')), c.req.valid('param').id), 201);
    })
    .openapi(presenceRoute, async (c) => {
      const principal = requireParticipant(c.get('principal'));
      return c.json({ call: await recordPresence(deps, principal, c.req.valid('param').id, c.req.valid('json')) }, 200);
    });
}
