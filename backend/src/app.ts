import { OpenAPIHono } from '@hono/zod-openapi';
import { swaggerUI } from '@hono/swagger-ui';
import { requestId } from 'hono/request-id';
import { bodySizeLimit } from './http/body-limit.js';
import type { AppEnv } from './http/context.js';
import { errorBody, handleError } from './http/errors.js';
import { pathForLog } from './logger.js';
import { adminRoutes } from './routes/admin.js';
import { auditRoutes } from './routes/audit.js';
import { adminAccessRoutes } from './routes/admin-access.js';
import { retentionRoutes } from './routes/retention.js';
import { recordsRoutes } from './routes/records.js';
import { onboardingRoutes } from './routes/onboarding.js';
import { adminConsoleRoutes } from './routes/admin-console.js';
import { adminSamlRoutes } from './routes/admin-saml.js';
import { adminIdentityRoutes } from './routes/admin-identity.js';
import { scimRoutes } from './routes/scim.js';
import { callRoutes } from './routes/calls.js';
import { consentRoutes } from './routes/consent.js';
import { suncoWebhookRoutes } from './routes/webhooks-sunco.js';
import { teamsRoutes } from './routes/teams.js';
import type { TeamsBot } from './adapters/teams/bot.js';
import { demoRoutes } from './routes/demo.js';
import { dsarRoutes } from './routes/dsar.js';
import { dsarExportRoutes } from './routes/dsar-export.js';
import { healthRoutes, type ReadinessCheck } from './routes/health.js';
import { identityRoutes } from './routes/identity.js';
import type { HostIdentity } from './services/identity/host-identity.js';
import { joinRoutes } from './routes/join.js';
import { e2eeRoutes } from './routes/e2ee.js';
import { meRoutes } from './routes/me.js';
import { mediaRoutes } from './routes/media.js';
import { pageRoutes } from './routes/pages.js';
import { recordingRoutes } from './routes/recordings.js';
import { samlRoutes } from './routes/saml.js';
import type { ServiceDeps } from './services/deps.js';

export interface AppDeps extends ServiceDeps {
  demo: boolean;
  /** Built browser bundle (plugin/dist). */
  staticDir: string;
  readiness: Record<string, ReadinessCheck>;
  /** Accept Sunshine Conversations webhooks, checked against this secret. */
  suncoWebhook?: { webhookSecret: string };
  /** Absent: no Teams bot endpoint. */
  teamsBot?: TeamsBot;
  /** Demo only: what the in-process fake Zendesk holds for a ticket. */
  demoTicketComments?: (ticketId: string) => unknown[];
  /** Verifies Zendesk signed URLs and Teams SSO tokens; a host absent here cannot sign anyone in. */
  identity?: HostIdentity;
  /** Lifetime of a DSAR export bundle's download link (DSAR_EXPORT_TTL_HOURS); default 7 days. */
  dsarExportTtlSeconds?: number;
  /** A data-subject request was received: a hint for the worker (it polls anyway). */
  onDsarReceived?: () => void;
}

/** The largest request body any route accepts (SCIM groups with many members are the largest). */
export const MAX_REQUEST_BYTES = 1024 * 1024;

/** Builds the HTTP app from injected dependencies; tests pass real ones with fake vendors. */
export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();
  app.use('*', requestId());
  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    // One line per request: route shape, status, timing. No bodies, no tokens.
    deps.logger.info(
      { requestId: c.get('requestId'), method: c.req.method, path: pathForLog(c.req.path), status: c.res.status, ms: Math.round(performance.now() - started) },
      'request',
    );
  });
  // No body Parley takes comes near this; routes with smaller bodies set tighter limits of their own.
  // Without it a client could make the server hold any amount before validation looks at it.
  app.use('*', bodySizeLimit(MAX_REQUEST_BYTES, (c) => c.json(errorBody(c, 'PAYLOAD_TOO_LARGE', 'The request body is too large.'), 413)));
  app.onError(handleError(deps.logger));
  app.notFound((c) => c.json(errorBody(c, 'NOT_FOUND', 'No such route.'), 404));

  app.openAPIRegistry.registerComponent('securitySchemes', 'session', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });

  const routes = app
    .route('/', healthRoutes(deps.readiness))
    .route('/', callRoutes(deps))
    .route('/', joinRoutes(deps))
    .route('/', e2eeRoutes(deps))
    .route('/', consentRoutes(deps))
    .route('/', adminRoutes(deps))
    .route('/', auditRoutes(deps))
    .route('/', adminAccessRoutes(deps))
    .route('/', retentionRoutes(deps))
    .route('/', adminSamlRoutes(deps))
    .route('/', adminIdentityRoutes(deps))
    .route('/', scimRoutes(deps))
    .route('/', meRoutes(deps))
    .route('/', samlRoutes(deps))
    .route('/', recordingRoutes(deps))
    .route('/', mediaRoutes(deps))
    .route('/', dsarRoutes(deps))
    .route('/', recordsRoutes(deps))
    .route('/', onboardingRoutes(deps))
    .route('/', adminConsoleRoutes(deps));
  app.route('/', identityRoutes(deps));
  app.route('/', dsarExportRoutes(deps));
  if (deps.teamsBot) app.route('/', teamsRoutes(deps, deps.teamsBot));
  if (deps.suncoWebhook) app.route('/', suncoWebhookRoutes(deps, deps.suncoWebhook));
  if (deps.demo) app.route('/', demoRoutes(deps, { ticketComments: deps.demoTicketComments }));

  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Parley API', version: '0.1.0', description: 'GDPR-grade video escalation for contact centres.' },
  });
  app.get('/api/docs', swaggerUI({ url: '/api/openapi.json' }));
  app.route('/', pageRoutes({ staticDir: deps.staticDir, demo: deps.demo }));
  return routes;
}

export type AppType = ReturnType<typeof createApp>;
