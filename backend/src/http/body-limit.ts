import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from './context.js';

/**
 * Refuses a request body over `maxSize` before anything reads it. A declared length is judged from
 * the header alone; only a body sent without one (chunked) is counted as it streams, by Hono's
 * bodyLimit. That one turns every request body into a web stream first, which under the Node
 * server made each consent decision 20 ms slower at p99, so it is kept to the bodies that need it.
 */
export function bodySizeLimit(maxSize: number, onError: (c: Context<AppEnv>) => Response | Promise<Response>): MiddlewareHandler<AppEnv> {
  const counted = bodyLimit({ maxSize, onError });
  return createMiddleware<AppEnv>(async (c, next) => {
    const declared = c.req.header('content-length');
    if (declared !== undefined && !c.req.header('transfer-encoding')) return Number(declared) > maxSize ? onError(c) : next();
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    return counted(c, next);
  });
}
