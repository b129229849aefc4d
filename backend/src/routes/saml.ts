import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie, setCookie } from 'hono/cookie';
import { html } from 'hono/html';
import type { AppEnv } from '../http/context.js';
import { DomainError } from '../errors.js';
import { randomBytes } from 'node:crypto';
import type { ServiceDeps } from '../services/deps.js';
import { completeSamlLogin } from '../services/saml/complete-login.js';
import { landingFrom, landingUrl } from '../services/saml/landing.js';
import { SamlRejectedError, SamlUserRefusedError } from '../services/saml/errors.js';
import { serviceProviderMetadata } from '../services/saml/metadata.js';
import { serviceProviderUrls } from '../services/saml/service-provider.js';
import { startSamlLogin } from '../services/saml/start-login.js';

const tenantParam = z.object({ tenant: z.uuid().openapi({ param: { name: 'tenant', in: 'path' }, description: 'The Parley account id' }) });
const page = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });

const metadataRoute = createRoute({
  method: 'get',
  path: '/auth/saml/{tenant}/metadata',
  summary: 'SAML service provider metadata of an account (entity id, ACS URL), for its identity provider',
  request: { params: tenantParam },
  responses: {
    200: { description: 'SP metadata', content: { 'application/samlmetadata+xml': { schema: z.string() } } },
    400: page('Not an account id'),
    404: page('No such account'),
  },
});

const loginRoute = createRoute({
  method: 'get',
  path: '/auth/saml/{tenant}/login',
  summary: "Start a sign-in: redirects to the account's identity provider with an AuthnRequest",
  request: {
    params: tenantParam,
    query: z.object({
      recording: z.uuid().optional().openapi({ description: 'Land on the viewer of this recording (a ticket note’s link) rather than the console' }),
    }),
  },
  responses: { 302: { description: 'To the identity provider' }, 400: page('Not an account id'), 403: page('Single sign-on is not set up') },
});

/** Real responses are a few kB; a generous cap still stops a client from making us parse megabytes of XML. */
const MAX_RESPONSE_BYTES = 256 * 1024;

const acsRoute = createRoute({
  method: 'post',
  path: '/auth/saml/{tenant}/acs',
  summary: "Assertion consumer service (HTTP-POST): the identity provider's answer; opens the console on success",
  middleware: [bodyLimit({ maxSize: MAX_RESPONSE_BYTES, onError: (c) => c.text('The sign-in response is too large.', 413) })],
  request: {
    params: tenantParam,
    body: {
      required: true,
      content: {
        'application/x-www-form-urlencoded': {
          schema: z.object({
            SAMLResponse: z.string().min(1).max(MAX_RESPONSE_BYTES).regex(/^[A-Za-z0-9+/=\s]+$/, 'must be base64'),
            /** Where the sign-in started: the console or a recording's viewer, nothing else (see landingFrom). */
            RelayState: z.string().max(1024).optional(),
          }),
        },
      },
    },
  },
  responses: {
    303: { description: 'Signed in: to the console, or to the recording viewer the sign-in started from, the session in the URL fragment (never sent to a server)' },
    400: page('No SAMLResponse'),
    401: page('The response is not trusted: signature, audience, recipient, time, request or replay'),
    403: page('Not set up, or the user is unknown or deactivated here'),
  },
});

/**
 * The sign-in cookie: a random value that binds a started sign-in to this browser (login CSRF).
 * SameSite=None because the identity provider posts the response cross-site; HttpOnly and limited
 * to the SAML paths, so no script and no other route ever sees it.
 */
const BROWSER_COOKIE = 'parley_saml_browser';
const browserCookie = { path: '/auth/saml/', httpOnly: true, secure: true, sameSite: 'None', maxAge: 600 } as const;

/** The browser is mid sign-in, so refusals are pages a person can read, not JSON. */
function refusal(c: Context<AppEnv>, status: 400 | 401 | 403 | 404, message: string, code: string, retryUrl?: string) {
  c.header('Cache-Control', 'no-store');
  c.header('Referrer-Policy', 'no-referrer');
  c.header('Content-Security-Policy', "default-src 'none'");
  const requestId = c.get('requestId');
  return c.html(
    html`<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1" /><title>Sign-in failed · Parley</title></head>
  <body>
    <main>
      <h1>You are not signed in</h1>
      <p role="alert" data-code="${code}">${message}</p>
      ${retryUrl ? html`<p><a href="${retryUrl}">Sign in again</a></p>` : ''}
      <p><small>Reference ${requestId}</small></p>
    </main>
  </body>
</html>`,
    status,
  );
}

const invalidInput = (result: { success: boolean }, c: Context<AppEnv>) => {
  if (!result.success) return refusal(c, 400, 'This sign-in request is incomplete or not valid. Start again from your Parley sign-in link.', 'VALIDATION_FAILED');
};

export function samlRoutes(deps: ServiceDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: invalidInput });

  /** Domain refusals become a page; anything else goes to the one error handler. */
  const orRefusal = async (c: Context<AppEnv>, tenantId: string, run: () => Promise<Response>) => {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof DomainError) || (error.status !== 401 && error.status !== 403 && error.status !== 404)) throw error;
      if (error instanceof SamlRejectedError || error instanceof SamlUserRefusedError) {
        deps.logger.warn({ requestId: c.get('requestId'), tenantId, reason: error.reason }, 'saml sign-in refused');
      }
      const retry = error instanceof SamlRejectedError ? serviceProviderUrls(deps.publicBaseUrl, tenantId).loginUrl : undefined;
      return refusal(c, error.status, error.message, error.code, retry);
    }
  };

  return app
    .openapi(metadataRoute, async (c) => {
      const { tenant } = c.req.valid('param');
      return orRefusal(c, tenant, async () => {
        const xml = await serviceProviderMetadata(deps.db, deps.publicBaseUrl, tenant);
        return c.body(xml, 200, { 'Content-Type': 'application/samlmetadata+xml; charset=utf-8' });
      });
    })
    .openapi(loginRoute, async (c) => {
      const { tenant } = c.req.valid('param');
      const { recording } = c.req.valid('query');
      return orRefusal(c, tenant, async () => {
        const browser = getCookie(c, BROWSER_COOKIE) ?? randomBytes(32).toString('base64url');
        const landing = recording ? { kind: 'recording' as const, recordingId: recording } : { kind: 'console' as const };
        const location = await startSamlLogin(deps.db, deps.publicBaseUrl, tenant, browser, landing);
        setCookie(c, BROWSER_COOKIE, browser, browserCookie);
        c.header('Cache-Control', 'no-store');
        return c.redirect(location, 302);
      });
    })
    .openapi(acsRoute, async (c) => {
      const { tenant } = c.req.valid('param');
      const { SAMLResponse, RelayState } = c.req.valid('form');
      return orRefusal(c, tenant, async () => {
        const session = await completeSamlLogin(deps, tenant, SAMLResponse, getCookie(c, BROWSER_COOKIE));
        c.header('Cache-Control', 'no-store');
        c.header('Referrer-Policy', 'no-referrer');
        return c.redirect(landingUrl(landingFrom(RelayState), tenant, session.token), 303);
      });
    });
}
