import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { UnauthorizedError } from '../errors.js';
import type { AppEnv } from '../http/context.js';
import { errorBody, validationHook } from '../http/errors.js';
import type { ServiceDeps } from '../services/deps.js';
import type { HostIdentity } from '../services/identity/host-identity.js';
import { signInFromTeams } from '../services/identity/teams-sign-in.js';
import { signInFromZendesk, type HostSession } from '../services/identity/zendesk-sign-in.js';
import { onboardingHint } from '../services/onboarding/hint.js';
import { resolvePrincipal } from '../services/sessions/open-agent-session.js';
import { readBuiltPage } from './pages.js';
import { errors, json } from './schemas.js';

/** A compact JWS: three base64url parts. Anything else is not worth verifying. */
const compactJwt = z.string().max(16_384).regex(/^[\w-]+\.[\w-]+\.[\w-]*$/);

const sessionSchema = z
  .object({
    token: z.string(),
    expiresAt: z.string(),
    agent: z.object({ id: z.uuid(), name: z.string() }),
    onboarding: z
      .object({ required: z.boolean(), url: z.string() })
      .openapi({ description: 'required: the account is not set up yet and this user is an admin, who should be sent to `url` (the console’s set-up wizard)' }),
  })
  .openapi('HostSession');

const sidebarRoute = createRoute({
  method: 'post',
  path: '/zendesk/sidebar',
  summary: 'Zendesk sidebar entry: Zendesk posts a signed-URL token; the answer is the sidebar with a Parley session in it',
  description:
    'The app is installed with `signedUrls: true`, so Zendesk POSTs the form field `token` (RS256 JWT signed with the app’s key in that account). ' +
    'The session is handed to the page in memory (never a cookie, never a URL); the API takes it as a bearer token.',
  request: {
    body: {
      required: true,
      content: { 'application/x-www-form-urlencoded': { schema: z.object({ token: z.string().openapi({ description: 'Zendesk signed-URL JWT' }) }) } },
    },
  },
  responses: {
    200: { description: 'The sidebar page', content: { 'text/html': { schema: z.string() } } },
    401: errors[401],
    403: errors[403],
    503: { description: 'Zendesk could not be asked (ZENDESK_UNAVAILABLE)', content: errors[503].content },
  },
});

const teamsSessionRoute = createRoute({
  method: 'post',
  path: '/api/teams/session',
  summary: 'Teams tab sign-in: trade the tab’s Entra ID SSO token for a Parley session',
  description: 'Send the token from `authentication.getAuthToken()` as `Authorization: Bearer …`. The user’s Microsoft 365 tenant must have installed Parley.',
  security: [{ teamsSso: [] as string[] }],
  responses: {
    200: json(sessionSchema, 'Signed in'),
    401: errors[401],
    503: { description: 'Microsoft’s signing keys could not be fetched (ENTRA_UNAVAILABLE)', content: errors[503].content },
  },
});

/** JSON inside <script type="application/json">: nothing in it can close the element or start markup. */
function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** What the sidebar or tab receives: the session, and whether this user should finish the account's set-up first. */
async function handover(deps: Pick<ServiceDeps, 'db' | 'tokens'>, session: HostSession) {
  const principal = await resolvePrincipal(deps.db, await deps.tokens.verify(session.token));
  return { token: session.token, expiresAt: session.expiresAt.toISOString(), agent: session.agent, onboarding: await onboardingHint(deps.db, principal) };
}

/**
 * Sign-in from the hosts. The session goes to the sidebar in the page itself and the sidebar keeps
 * it in memory: the API already takes bearer tokens only, so a third-party iframe needs no
 * cross-site cookie (partitioned or not), and no cookie means no request is ever authenticated
 * by the browser on its own.
 */
export function identityRoutes(deps: ServiceDeps & { staticDir: string; identity?: HostIdentity }) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.openAPIRegistry.registerComponent('securitySchemes', 'teamsSso', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Entra ID SSO token of the Teams tab' });

  app.use('/zendesk/sidebar', bodyLimit({ maxSize: 64 * 1024, onError: (c) => c.json(errorBody(c, 'PAYLOAD_TOO_LARGE', 'Request too large.'), 413) }));
  // Described in the OpenAPI registry, served as a plain route: the answer is a page, not JSON.
  app.openAPIRegistry.registerPath(sidebarRoute);
  app.post('/zendesk/sidebar', async (c) => {
    // A body that does not parse as the form it claims to be is as good as no token.
    const form: Record<string, unknown> = c.req.header('content-type')?.match(/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i) ? await c.req.parseBody().catch(() => ({})) : {};
    const token = compactJwt.safeParse(form.token);
    if (!token.success) throw new UnauthorizedError('A signed Zendesk token (form field "token") is required. Open Parley from a Zendesk ticket.');
    const session = await signInFromZendesk({ db: deps.db, tokens: deps.tokens, zendesk: deps.identity?.zendesk }, token.data);

    const page = await readBuiltPage(deps.staticDir, 'sidebar.html');
    if (!page) return c.text('The browser bundle is missing: run `npm run build`.', 500);
    const data = `<script type="application/json" id="parley-session">${scriptSafeJson(await handover(deps, session))}</script>`;
    const html = page.includes('</head>') ? page.replace('</head>', `${data}\n</head>`) : `${data}\n${page}`;
    c.header('Cache-Control', 'no-store');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Content-Type-Options', 'nosniff');
    // Only the account that signed the token may frame the page that carries its session.
    c.header('Content-Security-Policy', `frame-ancestors https://${session.subdomain}.zendesk.com`);
    return c.html(html);
  });

  return app.openapi(teamsSessionRoute, async (c) => {
    const match = c.req.header('authorization')?.match(/^Bearer ([\w.-]+)$/);
    if (!match) throw new UnauthorizedError('Send the Teams SSO token as "Authorization: Bearer …".');
    const session = await signInFromTeams({ db: deps.db, tokens: deps.tokens, teams: deps.identity?.teams }, match[1]!);
    c.header('Cache-Control', 'no-store');
    return c.json(await handover(deps, session), 200);
  });
}
