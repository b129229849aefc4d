import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
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
const teamsTabPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  `frame-ancestors ${TEAMS_FRAME_ANCESTORS.join(' ')}`,
].join('; ');

/**
 * Browser pages built by Vite into plugin/dist. Join links carry a bearer token
 * in the path, so those pages are never cached and never leak it as a Referer.
 */
export function pageRoutes(options: { staticDir: string; demo: boolean }) {
  const page = (name: string) => async () => {
    try {
      return await readFile(join(options.staticDir, name), 'utf8');
    } catch {
      return undefined;
    }
  };
  const callPage = page('call.html');
  const demoPage = page('demo.html');
  const teamsTabPage = page('teams-tab.html');
  const app = new Hono<AppEnv>();

  app.use('*', async (c, next) => {
    await next();
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Content-Type-Options', 'nosniff');
  });
  app.use('/app/*', serveStatic({ root: options.staticDir, rewriteRequestPath: (path) => path.replace(/^\/app/, '') }));

  app.get('/j/:token', async (c) => {
    const html = await callPage();
    if (!html) return c.text('The browser bundle is missing: run `npm run build`.', 500);
    c.header('Cache-Control', 'no-store');
    return c.html(html);
  });

  // The Teams app's static tab (contentUrl). It carries no session: it signs in with Teams SSO once framed.
  app.get('/teams/tab', async (c) => {
    const html = await teamsTabPage();
    if (!html) return c.text('The browser bundle is missing: run `npm run build`.', 500);
    c.header('Cache-Control', 'no-cache');
    c.header('Content-Security-Policy', teamsTabPolicy);
    return c.html(html);
  });

  if (options.demo) {
    app.get('/demo', async (c) => {
      const html = await demoPage();
      if (!html) return c.text('The browser bundle is missing: run `npm run build`.', 500);
      return c.html(html);
    });
    app.get('/', (c) => c.redirect('/demo'));
  }
  return app;
}
