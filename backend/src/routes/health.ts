import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../http/context.js';
import { json } from './schemas.js';

export type ReadinessCheck = () => Promise<void>;

const checkResult = z.object({ ok: z.boolean(), error: z.string().optional() });
const readinessSchema = z.object({ ready: z.boolean(), checks: z.record(z.string(), checkResult) }).openapi('Readiness');

const healthzRoute = createRoute({
  method: 'get',
  path: '/healthz',
  summary: 'The process is up',
  responses: { 200: json(z.object({ ok: z.literal(true) }), 'Up') },
});

const readyzRoute = createRoute({
  method: 'get',
  path: '/readyz',
  summary: 'Database, media server and storage are reachable',
  responses: { 200: json(readinessSchema, 'Ready'), 503: json(readinessSchema, 'Not ready') },
});

const CHECK_TIMEOUT_MS = 2000;

async function run(check: ReadinessCheck): Promise<z.infer<typeof checkResult>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return { ok: true };
  } catch (error) {
    // Only the error class and a short reason: connection strings must not leak here.
    return { ok: false, error: error instanceof Error ? error.message.slice(0, 120) : 'failed' };
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes(checks: Record<string, ReadinessCheck>) {
  return new OpenAPIHono<AppEnv>()
    .openapi(healthzRoute, (c) => c.json({ ok: true as const }, 200))
    .openapi(readyzRoute, async (c) => {
      const names = Object.keys(checks);
      const results = await Promise.all(names.map((name) => run(checks[name]!)));
      const report = Object.fromEntries(names.map((name, i) => [name, results[i]!]));
      const ready = results.every((r) => r.ok);
      return c.json({ ready, checks: report }, ready ? 200 : 503);
    });
}
