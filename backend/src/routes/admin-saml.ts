import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { authenticate } from '../http/auth.js';
import type { AppEnv } from '../http/context.js';
import { validationHook } from '../http/errors.js';
import type { ServiceDeps } from '../services/deps.js';
import { configureSaml, samlConfigInput } from '../services/saml/configure.js';
import { readSamlConfig } from '../services/saml/read-config.js';
import { bearer, errors, json } from './schemas.js';

const samlConfigSchema = z
  .object({
    configured: z.boolean(),
    /** What to enter at the identity provider (or give it the metadata URL). */
    serviceProvider: z.object({ metadataUrl: z.string(), acsUrl: z.string(), loginUrl: z.string() }),
    identityProvider: z
      .object({
        entityId: z.string(),
        ssoUrl: z.string(),
        enabled: z.boolean(),
        certificate: z.string(),
        certificates: z.array(z.object({ subject: z.string(), fingerprint256: z.string(), validFrom: z.string(), validTo: z.string() })),
        updatedAt: z.string(),
      })
      .optional(),
  })
  .openapi('SamlConfig');

const getRoute = createRoute({
  method: 'get',
  path: '/api/admin/saml',
  summary: "The account's SAML identity provider for console sign-in (admins)",
  security: bearer,
  responses: { 200: json(samlConfigSchema, 'SAML set-up'), 401: errors[401], 403: errors[403] },
});

const putRoute = createRoute({
  method: 'put',
  path: '/api/admin/saml',
  summary: "Set the account's SAML identity provider: entity id, SSO URL, signing certificate (admins)",
  security: bearer,
  request: { body: { required: true, content: { 'application/json': { schema: samlConfigInput.openapi('SamlConfigChange') } } } },
  responses: { 200: json(samlConfigSchema, 'Saved'), 400: errors[400], 401: errors[401], 403: errors[403] },
});

export function adminSamlRoutes(deps: ServiceDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  // admin.ts guards /api/admin/* too; `authenticate` checks a session once per request, and these
  // routes stay guarded if mounted on their own.
  app.use('/api/admin/saml', authenticate(deps));
  return app
    .openapi(getRoute, async (c) => c.json(await readSamlConfig(deps.db, deps.publicBaseUrl, c.get('principal')), 200))
    .openapi(putRoute, async (c) => c.json(await configureSaml(deps.db, deps.publicBaseUrl, c.get('principal'), c.req.valid('json')), 200));
}
