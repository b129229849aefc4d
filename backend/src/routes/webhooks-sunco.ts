import { createHash, timingSafeEqual } from 'node:crypto';
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import { postbackEventPayloadSchema, webhookBodySchema } from '../adapters/sunco/types.js';
import type { AppEnv } from '../http/context.js';
import { errorBody, validationHook } from '../http/errors.js';
import type { ServiceDeps } from '../services/deps.js';
import { handleConsentPostback } from '../services/messaging/handle-postback.js';
import { errors, json } from './schemas.js';

export interface SuncoWebhookOptions {
  /** The secret SunCo sends in `X-API-Key`, shown once when the webhook is created. */
  webhookSecret: string;
}

const PATH = '/webhooks/sunco';

const webhookRoute = createRoute({
  method: 'post',
  path: PATH,
  summary: 'Sunshine Conversations webhook (Zendesk messaging)',
  description:
    'SunCo v2 webhook target, authenticated by the `X-API-Key` header. `conversation:postback` events from Parley consent buttons record the decision once per event id; every other event is acknowledged and ignored.',
  security: [{ suncoWebhookKey: [] }],
  request: {
    body: { required: true, content: { 'application/json': { schema: webhookBodySchema.openapi('SuncoWebhook') } } },
  },
  responses: {
    200: json(z.object({ received: z.number().int() }).openapi('SuncoWebhookReceipt'), 'Acknowledged; SunCo redelivers anything else'),
    400: errors[400],
    401: { description: 'Missing or wrong X-API-Key' },
  },
});

/** Compares digests so neither the length nor the content of the secret leaks through timing. */
function sameSecret(given: string, expected: Buffer): boolean {
  return timingSafeEqual(createHash('sha256').update(given).digest(), expected);
}

export function suncoWebhookRoutes(deps: ServiceDeps, options: SuncoWebhookOptions) {
  if (options.webhookSecret.length < 16) throw new Error('the SunCo webhook secret is too short');
  const expected = createHash('sha256').update(options.webhookSecret).digest();
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.openAPIRegistry.registerComponent('securitySchemes', 'suncoWebhookKey', { type: 'apiKey', in: 'header', name: 'X-API-Key' });

  // Before the body is parsed: an unauthenticated caller learns nothing about its shape.
  app.use(
    PATH,
    createMiddleware<AppEnv>(async (c, next) => {
      if (!sameSecret(c.req.header('x-api-key') ?? '', expected)) {
        deps.logger.warn({ requestId: c.get('requestId') }, 'sunco webhook refused: bad X-API-Key');
        return c.json(errorBody(c, 'UNAUTHORIZED', 'Unknown webhook key.'), 401);
      }
      await next();
    }),
  );
  // SunCo batches a handful of small events; anything near this size is not SunCo.
  app.use(PATH, bodyLimit({ maxSize: 512 * 1024, onError: (c) => c.json(errorBody(c, 'PAYLOAD_TOO_LARGE', 'The webhook body is too large.'), 413) }));

  return app.openapi(webhookRoute, async (c) => {
    const { events } = c.req.valid('json');
    for (const event of events) {
      if (event.type !== 'conversation:postback') continue;
      const payload = postbackEventPayloadSchema.safeParse(event.payload);
      if (!payload.success) {
        deps.logger.warn({ eventId: event.id }, 'sunco postback ignored: unexpected payload shape');
        continue;
      }
      const result = await handleConsentPostback(deps, {
        eventId: event.id,
        conversationId: payload.data.conversation.id,
        payload: payload.data.postback.payload,
      });
      // Ids and codes only: the payload carries a consent token.
      if (result.outcome === 'refused') deps.logger.warn({ eventId: event.id, callId: result.callId, code: result.code }, 'sunco postback refused');
      else if (result.outcome !== 'ignored') deps.logger.info({ eventId: event.id, ...result }, 'sunco postback');
    }
    return c.json({ received: events.length }, 200);
  });
}
