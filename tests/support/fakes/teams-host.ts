import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A stand-in for the Teams web client, for browser tests: a page at https://teams.microsoft.com
 * (on loopback, port 443, with a throwaway certificate) that frames a Parley page and answers it
 * the way Teams does over postMessage. TeamsJS only listens to a parent on Microsoft's origins, so
 * the browser must resolve that name to loopback and accept the certificate (`chromiumArgs`,
 * `ignoreHTTPSErrors`). Only what Parley's pages ask is answered: the initialize handshake and an
 * SSO token; anything else is left unanswered, as a host that lacks the capability would.
 *
 * Port 443 needs root and a free port: run it inside the end-to-end network namespace.
 */
export interface FakeTeamsHost {
  origin: 'https://teams.microsoft.com';
  /** Flags for the Chromium that visits the host. */
  chromiumArgs: string[];
  /**
   * The host page framing `appUrl` as a tab (`content`) or a dialog (`task`), handing it `ssoToken`
   * when it asks for one. The page keeps the functions it was asked in `window.teamsHostCalls`.
   */
  pageFor(appUrl: string, options: { ssoToken: string; frameContext?: 'content' | 'task' }): string;
  close(): Promise<void>;
}

/** What Teams tells an app it supports (a trimmed runtime config of the web client). */
const RUNTIME = {
  apiVersion: 4,
  hostVersionsInfo: { adaptiveCardSchemaVersion: { majorVersion: 1, minorVersion: 5 } },
  isLegacyTeams: false,
  supports: { app: {}, appEntity: {}, authentication: {}, dialog: { url: {}, card: {} }, pages: { appButton: {}, tabs: {}, config: {}, backStack: {} }, teamsCore: {} },
};

const HOST_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Microsoft Teams (test host)</title></head>
<body>
<iframe id="app" title="Parley" style="width: 100%; height: 90vh; border: 0" allow="autoplay; fullscreen"></iframe>
<script>
  const params = new URLSearchParams(location.search);
  const appUrl = params.get('app');
  const appOrigin = new URL(appUrl).origin;
  const frame = document.getElementById('app');
  const runtime = ${JSON.stringify(JSON.stringify(RUNTIME))};
  window.teamsHostCalls = [];
  window.addEventListener('message', (event) => {
    if (event.source !== frame.contentWindow || event.origin !== appOrigin) return;
    const request = event.data;
    if (!request || typeof request.func !== 'string' || typeof request.id !== 'number') return;
    window.teamsHostCalls.push(request.func);
    const answer = (args) => frame.contentWindow.postMessage({ id: request.id, uuidAsString: request.uuidAsString, args }, appOrigin);
    switch (request.func) {
      case 'initialize':
        answer([params.get('frameContext') || 'content', 'web', runtime, '2.58.0']);
        break;
      case 'authentication.getAuthToken':
        answer([true, params.get('token')]);
        break;
    }
  });
  frame.src = appUrl;
</script>
</body>
</html>`;

export async function startFakeTeamsHost(): Promise<FakeTeamsHost> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-teams-host-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=teams.microsoft.com'], {
    stdio: 'ignore',
  });
  const server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
    if (req.method !== 'GET' || new URL(req.url ?? '/', 'https://teams.microsoft.com').pathname !== '/') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(HOST_PAGE);
  });
  rmSync(dir, { recursive: true, force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new Error(`The Teams stand-in needs 127.0.0.1:443 (root, inside the test's network namespace): ${error.message}`)));
    server.listen(443, '127.0.0.1', () => resolve());
  });
  return {
    origin: 'https://teams.microsoft.com',
    chromiumArgs: ['--host-resolver-rules=MAP teams.microsoft.com 127.0.0.1'],
    pageFor(appUrl, { ssoToken, frameContext = 'content' }) {
      const query = new URLSearchParams({ app: appUrl, token: ssoToken, frameContext });
      return `https://teams.microsoft.com/?${query}`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
