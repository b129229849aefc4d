import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../http/context.js';
import { validationHook } from '../http/errors.js';
import type { ServiceDeps } from '../services/deps.js';
import { readJoinEncryption } from '../services/e2ee/read-join-encryption.js';
import { errors, json } from './schemas.js';

const joinEncryptionInput = z
  .object({ token: z.string().regex(/^[\w-]{20,100}$/, 'not a join token') })
  .openapi('JoinEncryptionRequest');

// POST with the token in the body: the link is a bearer credential and stays out of URLs and request logs.
const joinEncryptionRoute = createRoute({
  method: 'post',
  path: '/api/join-encryption',
  summary: 'Whether the call behind a join link is end-to-end encrypted, asked before the link is used (does not use it up)',
  request: { body: { required: true, content: { 'application/json': { schema: joinEncryptionInput } } } },
  responses: {
    200: json(
      z
        .object({ e2ee: z.boolean().openapi({ description: 'Media is encrypted in the browsers; a browser that cannot encrypt must not join' }) })
        .openapi('JoinEncryption'),
      'Encryption of the call',
    ),
    400: errors[400],
    404: errors[404],
    409: errors[409],
    410: errors[410],
  },
});

export function e2eeRoutes(deps: ServiceDeps) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(joinEncryptionRoute, async (c) => {
    c.header('Cache-Control', 'no-store');
    return c.json(await readJoinEncryption(deps, c.req.valid('json').token), 200);
  });
}
