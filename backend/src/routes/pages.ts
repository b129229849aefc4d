import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../http/context.js';

/** A page of the browser bundle (plugin/dist), or undefined when the bundle was not built. */
export async function readBuiltPage(staticDir: string, name: string): Promise<string | undefined> {
  try {
    return await readFile(join(staticDir, name), 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Microsoft's hosts that may frame the Teams tab: Teams itself, and the Microsoft 365 app and
 * Outlook, which show personal tabs too (their web clients are moving to *.cloud.microsoft).
 * Nobody else may frame it, so another site cannot dress it up for a click.
 */
const TEAMS_FRAME_ANCESTORS = [
  'https://teams.microsoft.com',
  'https://*.teams.microsoft.com',
  'https://*.cloud.microsoft',
  'https://*.microsoft365.com',
  'https://*.office.com',
  'https://outlook.office365.com',
];

/**
 * The tab talks to its own origin only. Blocking other connections also keeps TeamsJS from
 * fetching Microsoft's list of host origins from a CDN: it falls back to the list it ships with.
 */
const teamsPagePolicy = (extra: string[] = []) =>
  [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    ...extra,
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${TEAMS_FRAME_ANCESTORS.join(' ')}`,
  ].join('; ');
const teamsTabPolicy = teamsPagePolicy();
/** The recording viewer in a Teams dialog also plays the stream from this origin. */
const teamsRecordingPolicy = teamsPagePolicy(["media-src 'self'"]);

/**
 * Browser pages built by Vite into plugin/dist. Join links carry a bearer token
 * in the path, so those pages are never cached and never leak it as a Referer.
 */
export function pageRoutes(options: { staticDir: string; demo: boolean }) {
  const app = new Hono<AppEnv>();

  /** Serves a built page with the given headers, or says the bundle is missing rather than serving an empty frame. */
  const serve = (name: string, headers: Record<string, string>) => {
    return async (c: Context<AppEnv>) => {
      const html = await readBuiltPage(options.staticDir, name);
      if (!html) return c.text('The browser bundle is missing: run `npm run build`.', 500);
      for (const [header, value] of Object.entries(headers)) c.header(header, value);
      return c.html(html);
    };
  };

  app.use('*', async (c, next) => {
    await next();
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Content-Type-Options', 'nosniff');
  });
  app.use('/app/*', serveStatic({ root: options.staticDir, rewriteRequestPath: (path) => path.replace(/^\/app/, '') }));

  app.get('/j/:token', serve('call.html', { 'Cache-Control': 'no-store' }));

  // The Teams app's static tab (contentUrl). It carries no session: it signs in with Teams SSO once framed.
  app.get('/teams/tab', serve('teams-tab.html', { 'Cache-Control': 'no-cache', 'Content-Security-Policy': teamsTabPolicy }));

  // The recording viewer in the dialog of the bot's "Play recording" button; signs in with Teams SSO once framed.
  app.get('/teams/recording', serve('recording.html', { 'Cache-Control': 'no-cache', 'Content-Security-Policy': teamsRecordingPolicy }));

  if (options.demo) {
    app.get('/demo', serve('demo.html', {}));
    app.get('/', (c) => c.redirect('/demo'));
  }
  return app;
}
