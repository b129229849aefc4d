import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../http/context.js';
import { validationHook } from '../http/errors.js';
import type { ServiceDeps } from '../services/deps.js';
import { redeemJoinToken } from '../services/calls/redeem-join-token.js';
import { errors, json, mediaGrantSchema } from './schemas.js';

const tokenParam = z.object({
  token: z
    .string()
    .regex(/^[\w-]{20,100}$/, 'not a join token')
    .openapi({ param: { name: 'token', in: 'path' } }),
});

const redeemRoute = createRoute({
  method: 'post',
  path: '/api/join/{token}',
  summary: 'Redeem a single-use join link for a call session and media credentials',
  request: { params: tokenParam },
  responses: {
    200: json(
      z
        .object({
          session: z.string().openapi({ description: 'Bearer token for this call only' }),
          /** A supervisor listens only: their page never publishes. */
          role: z.enum(['agent', 'customer', 'supervisor']),
          call: z.object({
            id: z.uuid(),
            meetingTypeName: z.string(),
            recordingPolicy: z.enum(['required', 'optional', 'forbidden']),
            accountRecordingOff: z.boolean().openapi({ description: 'Recording is switched off for the account: the call is not recorded, whatever its policy.' }),
            media: z.enum(['audio', 'audio+video']),
          }),
          /** `waiting`: the meeting type has a lobby; poll GET /api/calls/{id}/admission until the agent lets you in. */
          admission: z.enum(['admitted', 'waiting']),
          media: mediaGrantSchema.nullable(),
        })
        .openapi('JoinGrant'),
      'Joined',
    ),
    400: errors[400],
    404: errors[404],
    409: errors[409],
    410: errors[410],
    503: errors[503],
  },
});

export function joinRoutes(deps: ServiceDeps) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(redeemRoute, async (c) => {
    return c.json(await redeemJoinToken(deps, c.req.valid('param').token), 200);
  });
}
