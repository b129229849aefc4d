import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../http/context.js';
import { validationHook } from '../http/errors.js';
import type { ServiceDeps } from '../services/deps.js';

export function onboardingRoutes(_deps: ServiceDeps) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}
