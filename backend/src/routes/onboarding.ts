import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { authenticate } from '../http/auth.js';
import type { AppEnv } from '../http/context.js';
import { validationHook } from '../http/errors.js';
import type { ServiceDeps } from '../services/deps.js';
import { completeOnboarding, completeOnboardingInput } from '../services/onboarding/complete.js';
import { readOnboarding } from '../services/onboarding/read.js';
import { reviewOnboardingStep, reviewStepInput } from '../services/onboarding/review-step.js';
import { setTenantRecording, tenantRecordingInput } from '../services/onboarding/set-recording.js';
import { onboardingStepKeys } from '../services/onboarding/steps.js';
import { offboardingRoutes } from './offboarding.js';
import { bearer, errors, json } from './schemas.js';

const onboardingSchema = z
  .object({
    onboarding: z.object({
      completedAt: z.string().nullable(),
      recordingEnabledAt: z.string().nullable().openapi({ description: 'Null: the account records nothing' }),
      steps: z.array(
        z.object({
          key: z.enum(onboardingStepKeys),
          done: z.boolean(),
          title: z.string(),
          kind: z.enum(['settings', 'review']).openapi({ description: 'settings: done by filling PUT /api/admin/settings; review: done by PUT …/steps/{key}' }),
        }),
      ),
    }),
  })
  .openapi('Onboarding');

const answers = { 200: json(onboardingSchema, 'Where set-up stands'), 401: errors[401], 403: errors[403] };

const readRoute = createRoute({
  method: 'get',
  path: '/api/admin/onboarding',
  summary: 'Where the account’s set-up stands: each wizard step, whether it is finished and whether recording is on (admins)',
  security: bearer,
  responses: answers,
});

const stepRoute = createRoute({
  method: 'put',
  path: '/api/admin/onboarding/steps/{key}',
  summary: 'Mark a review step (storage, meeting_types, retention, roles) as reviewed; controller, dpo and privacy_policy are done by filling the settings (admins, audited)',
  security: bearer,
  request: {
    params: z.object({ key: z.enum(onboardingStepKeys).openapi({ param: { name: 'key', in: 'path' } }) }),
    body: { required: true, content: { 'application/json': { schema: reviewStepInput.openapi('OnboardingStepReview') } } },
  },
  responses: { ...answers, 400: errors[400] },
});

const completeRoute = createRoute({
  method: 'post',
  path: '/api/admin/onboarding/complete',
  summary: 'Finish set-up once every step is done (409 ONBOARDING_INCOMPLETE names the missing ones), switching recording on if asked (admins, audited)',
  security: bearer,
  request: { body: { required: true, content: { 'application/json': { schema: completeOnboardingInput.openapi('OnboardingComplete') } } } },
  responses: { ...answers, 400: errors[400], 409: errors[409] },
});

const recordingRoute = createRoute({
  method: 'put',
  path: '/api/admin/onboarding/recording',
  summary: 'Switch recording on or off for the whole account after set-up (admins, audited)',
  security: bearer,
  request: { body: { required: true, content: { 'application/json': { schema: tenantRecordingInput.openapi('AccountRecording') } } } },
  responses: { ...answers, 400: errors[400], 409: errors[409] },
});

/** The set-up wizard's API (and, mounted beside it, offboarding): admins only. */
export function onboardingRoutes(deps: ServiceDeps & { dsarExportTtlSeconds?: number }) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use('/api/admin/onboarding', authenticate(deps));
  app.use('/api/admin/onboarding/*', authenticate(deps));
  return app
    .openapi(readRoute, async (c) => c.json({ onboarding: await readOnboarding(deps.db, c.get('principal')) }, 200))
    .openapi(stepRoute, async (c) => {
      const onboarding = await reviewOnboardingStep(deps.db, c.get('principal'), c.req.valid('param').key, c.req.valid('json'));
      return c.json({ onboarding }, 200);
    })
    .openapi(completeRoute, async (c) => c.json({ onboarding: await completeOnboarding(deps.db, c.get('principal'), c.req.valid('json'), deps.recordings.stores) }, 200))
    .openapi(recordingRoute, async (c) => c.json({ onboarding: await setTenantRecording(deps.db, c.get('principal'), c.req.valid('json'), deps.recordings.stores) }, 200))
    .route('/', offboardingRoutes(deps));
}
