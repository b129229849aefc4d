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
