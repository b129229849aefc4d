import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from '@hono/zod-openapi';
import { DomainError } from '../errors.js';
import type { Logger } from '../logger.js';
import { MediaUnavailableError } from '../ports/media-gateway.js';
import { refusedValue } from '../services/refused-value.js';
import type { AppEnv } from './context.js';

export const errorEnvelope = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'TOKEN_EXPIRED' }),
      message: z.string(),
      requestId: z.string(),
      /** With VALIDATION_FAILED: each refused field by its path in the body (or query), so a form can mark it. */
      fields: z.array(z.object({ path: z.string().openapi({ example: 'subject.email' }), message: z.string() })).optional(),
    }),
  })
  .openapi('Error');

export function errorBody(c: Context<AppEnv>, code: string, message: string) {
  return { error: { code, message, requestId: c.get('requestId') ?? 'unknown' } };
}

/** The one place errors become HTTP responses. */
export function handleError(logger: Logger) {
  return (error: Error, c: Context<AppEnv>) => {
    if (error instanceof DomainError) {
      return c.json(errorBody(c, error.code, error.message), error.status);
    }
    if (error instanceof MediaUnavailableError) {
      return c.json(errorBody(c, 'JANUS_UNAVAILABLE', 'The video service is unavailable. Try again in a moment.'), 503);
    }
    if (error instanceof HTTPException) {
      const malformed = error.status === 400 && /json/i.test(error.message);
      const code = malformed ? 'MALFORMED_JSON' : `HTTP_${error.status}`;
      return c.json(errorBody(c, code, malformed ? 'The request body is not valid JSON.' : error.message), error.status as ContentfulStatusCode);
    }
    const refused = refusedValue(error);
    if (refused) return c.json(errorBody(c, refused.code, refused.message), refused.status);
    logger.error({ err: error, requestId: c.get('requestId') }, 'unhandled error');
    return c.json(errorBody(c, 'INTERNAL', 'Something went wrong on our side. Nothing was changed.'), 500);
  };
}

/** zod-openapi's hook: every failed validation gets the same envelope. */
export function validationHook(
  result: { success: true } | { success: false; error: { issues: readonly { path: PropertyKey[]; message: string }[] } },
  c: Context<AppEnv>,
) {
  if (result.success) return;
  const fields = result.error.issues.map((i) => ({ path: i.path.map(String).join('.') || 'body', message: i.message }));
  const detail = fields.map((f) => `${f.path}: ${f.message}`).join('; ');
  const body = errorBody(c, 'VALIDATION_FAILED', detail);
  return c.json({ error: { ...body.error, fields } }, 400);
}
