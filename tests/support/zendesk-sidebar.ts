import { createHash, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, exportSPKI, generateKeyPair, type CryptoKey } from 'jose';
import { startFakeZendesk, type FakeZendesk } from '../../backend/src/adapters/zendesk/fake-server.js';
import { createHostIdentity, type HostIdentity } from '../../backend/src/services/identity/host-identity.js';

const APP_ID = '900001';
const INSTALLATION = '360001234567';
const ZENDESK_AUTH = { oauthToken: 'zendesk-oauth-token-for-tests-0123456789' };
const SIDEBAR_HTML = '<!doctype html><html><head><title>Parley video</title></head><body><main id="app"></main></body></html>';

export interface ZendeskUser {
  id: number;
  name: string;
  role: 'agent' | 'admin';
}

/** What the sidebar page hands to its script: the session and where set-up stands. */
export interface HandedOverSession {
  token: string;
  expiresAt: string;
  agent: { id: string; name: string };
  onboarding: { required: boolean; url: string };
}

/**
 * Zendesk's signed-URL sign-in against the in-process fake Zendesk (the app's key, the users), as
 * a real account loads the sidebar: `identity` goes into the app, `signIn` posts a fresh token.
 */
export async function startZendeskSidebar(users: ZendeskUser[]) {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const zendesk: FakeZendesk = await startFakeZendesk({ credentials: ZENDESK_AUTH, appPublicKeys: { [APP_ID]: await exportSPKI(publicKey) }, users });
  const identity: HostIdentity = createHostIdentity({ zendesk: { appId: APP_ID, apiBaseUrl: zendesk.url, auth: ZENDESK_AUTH, timeoutMs: 5_000 } });

  const token = (subdomain: string, userId: number, key: CryptoKey = privateKey) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: `${subdomain}.zendesk.com`,
      aud: `https://${subdomain}.zendesk.com/api/v2/apps/installations/${INSTALLATION}.json`,
      sub: `https://${subdomain}.zendesk.com/api/v2/users/${userId}.json`,
      iat: now - 5,
      exp: now + 300,
      qsh: createHash('sha256').update(`origin=https://${subdomain}.zendesk.com&app_guid=${randomUUID()}`).digest('hex'),
      context: { product: 'support', location: 'ticket_sidebar' },
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .sign(key);
  };

  return {
    identity,
    /** The page the app serves stands in for plugin/dist/sidebar.html. */
    installPage(dataDir: string) {
      writeFileSync(join(dataDir, 'bundle', 'sidebar.html'), SIDEBAR_HTML);
    },
    /** Loads the sidebar of `subdomain` as `user`; returns the session the page carries. */
    async signIn(app: { request: (path: string, init: RequestInit) => Response | Promise<Response> }, subdomain: string, user: ZendeskUser): Promise<HandedOverSession> {
      const res = await app.request('/zendesk/sidebar', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: await token(subdomain, user.id) }).toString(),
      });
      const html = await res.text();
      if (res.status !== 200) throw new Error(`sidebar sign-in failed: ${res.status} ${html}`);
      const match = /<script type="application\/json" id="parley-session">(.*?)<\/script>/s.exec(html);
      if (!match) throw new Error('the sidebar page carries no session');
      return JSON.parse(match[1]!) as HandedOverSession;
    },
    close: () => zendesk.close(),
  };
}
