import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { SignJWT, exportSPKI, generateKeyPair, type CryptoKey, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../backend/src/config.js';
import { startFakeZendesk, type FakeZendesk } from '../../backend/src/adapters/zendesk/fake-server.js';
import type { Database } from '../../backend/src/db/client.js';
import { agents, auditEvents, clients, installations, nonces } from '../../backend/src/db/schema/index.js';
import { createHostIdentity } from '../../backend/src/services/identity/host-identity.js';
import type { LocalJanus } from '../../media/janus/local-node.js';
import { databaseKinds, freshDatabase } from '../support/databases.js';
import { principalOf } from '../support/principals.js';
import { buildTestApp, startTestJanus } from '../support/test-app.js';

const APP_ID = '900001';
const OTHER_APP_ID = '900002';
const INSTALLATION = '360001234567';
const ZENDESK_AUTH = { oauthToken: 'zendesk-oauth-token-for-tests-0123456789' };
const ORG_A = { id: 501, name: 'Org A' };
const ORG_B = { id: 502, name: 'Org B' };
const USERS = {
  dana: { id: 7001, name: 'Dana Agent', role: 'agent' as const, organizations: [ORG_A], groups: [601] },
  ada: { id: 7002, name: 'Ada Admin', role: 'admin' as const, groups: [601, 602] },
  erin: { id: 7003, name: 'Erin Customer', role: 'end-user' as const },
  bo: { id: 7004, name: 'Bo Agent', role: 'agent' as const, organizations: [ORG_B], groups: [603] },
  sam: { id: 7005, name: 'Sam Suspended', role: 'agent' as const, suspended: true },
};
/** A page standing in for plugin/dist/sidebar.html. */
const SIDEBAR_HTML = '<!doctype html><html><head><title>Parley video</title></head><body><main id="app"></main></body></html>';

interface RsaKey {
  privateKey: CryptoKey;
  pem: string;
}
async function rsaKey(): Promise<RsaKey> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { privateKey, pem: await exportSPKI(publicKey) };
}

const now = () => Math.floor(Date.now() / 1000);
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The claims Zendesk puts in a signed-URL token for a ticket sidebar. */
function zendeskClaims(subdomain: string, userId: number | string): JWTPayload {
  return {
    iss: `${subdomain}.zendesk.com`,
    aud: `https://${subdomain}.zendesk.com/api/v2/apps/installations/${INSTALLATION}.json`,
    sub: `https://${subdomain}.zendesk.com/api/v2/users/${userId}.json`,
    iat: now() - 5,
    exp: now() + 300,
    // Hashes the query string, whose app_guid differs per sidebar instance: no two loads share a token.
    qsh: createHash('sha256').update(`origin=https://${subdomain}.zendesk.com&app_guid=${randomUUID()}`).digest('hex'),
    context: { product: 'support', location: 'ticket_sidebar' },
  };
}

describe('Zendesk sign-in with signed URLs', () => {
  let janus: LocalJanus;
  let baseDir: string;

  beforeAll(async () => {
    baseDir = mkdtempSync(join(tmpdir(), 'parley-zd-identity-'));
    janus = await startTestJanus(baseDir);
  });
  afterAll(async () => {
    await janus?.stop();
    rmSync(baseDir, { recursive: true, force: true });
  });

  describe.each(databaseKinds)('on %s', (kind) => {
    let database: Database;
    let zendesk: FakeZendesk;
    let t: Awaited<ReturnType<typeof buildTestApp>>;
    let appKey: RsaKey;
    let otherAppKey: RsaKey;

    beforeAll(async () => {
      [appKey, otherAppKey] = await Promise.all([rsaKey(), rsaKey()]);
      [database, zendesk] = await Promise.all([
        freshDatabase(kind),
        startFakeZendesk({ credentials: ZENDESK_AUTH, appPublicKeys: { [APP_ID]: appKey.pem, [OTHER_APP_ID]: otherAppKey.pem }, users: Object.values(USERS), maxPerPage: 1 }),
      ]);
      // One fake stands in for every account, as ZENDESK_API_BASE_URL does.
      const identity = createHostIdentity({ zendesk: { appId: APP_ID, apiBaseUrl: zendesk.url, auth: ZENDESK_AUTH, timeoutMs: 5_000 } });
      t = await buildTestApp(database, janus, { demo: false, identity });
      writeFileSync(join(t.dataDir, 'bundle', 'sidebar.html'), SIDEBAR_HTML);
    });
    afterAll(async () => {
      await t?.close();
      await zendesk?.close();
      await database?.close();
    });

    const sign = (claims: JWTPayload, key: CryptoKey = appKey.privateKey) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT' }).sign(key);

    const postSidebar = async (token: string | undefined, contentType = 'application/x-www-form-urlencoded') => {
      const res = await t.app.request('/zendesk/sidebar?origin=https%3A%2F%2Facme.zendesk.com&app_guid=5c1e8f2a', {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: token === undefined ? '' : new URLSearchParams({ token }).toString(),
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, text, json: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined };
    };

    /** The session the page hands to the sidebar script. */
    const handedOver = (html: string) => {
      const match = /<script type="application\/json" id="parley-session">(.*?)<\/script>/s.exec(html);
      expect(match, 'the page carries a session').not.toBeNull();
      return JSON.parse(match![1]!) as { token: string; expiresAt: string; agent: { id: string; name: string } };
    };

    const signIn = async (subdomain: string, user: { id: number }) => {
      const res = await postSidebar(await sign(zendeskClaims(subdomain, user.id)));
      expect(res.status, res.text).toBe(200);
      return handedOver(res.text);
    };

    const installationOf = async (subdomain: string) =>
      (await database.db.select().from(installations).where(and(eq(installations.host, 'zendesk'), eq(installations.externalAccountId, subdomain))))[0];

    it('answers the signed POST with the sidebar page holding a working session, uncached, framed only by that account', async () => {
      const res = await postSidebar(await sign(zendeskClaims('acme', USERS.dana.id)));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('content-security-policy')).toBe('frame-ancestors https://acme.zendesk.com');
      expect(res.headers.get('location')).toBeNull();
      expect(res.headers.get('set-cookie')).toBeNull();
      expect(res.text).toContain('<main id="app">');
      const session = handedOver(res.text);
      expect(session.agent.name).toBe('Dana Agent');

      const types = await t.call('GET', '/api/meeting-types', { token: session.token });
      expect(types.status).toBe(200);
      expect(types.body.meetingTypes.map((m: { key: string }) => m.key)).toEqual(expect.arrayContaining(['support', 'advice', 'consultation']));

      const installation = await installationOf('acme');
      expect(installation, 'the first verified load provisions the account').toBeDefined();
      const [audit] = await database.db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.action, 'agent.signed_in'), eq(auditEvents.subjectId, session.agent.id)));
      expect(audit?.details).toMatchObject({ method: 'zendesk_signed_url' });
      // What was asked of Zendesk: the key, the user, both membership lists (paged one by one here).
      const paths = zendesk.requests().map((r) => r.path);
      expect(paths).toContain(`/api/v2/apps/${APP_ID}/public_key.pem`);
      expect(paths).toContain(`/api/v2/users/${USERS.dana.id}.json`);
      expect(zendesk.requests().every((r) => r.authorized)).toBe(true);
    });

    it('takes roles and clients from Zendesk: an agent of org A gets client A, an admin gets the admin role', async () => {
      const dana = await signIn('acme', USERS.dana);
      const bo = await signIn('acme', USERS.bo);
      const ada = await signIn('acme', USERS.ada);
      const tenantId = (await installationOf('acme'))!.tenantId;
      const clientId = async (kind: 'zendesk_organization' | 'zendesk_group', externalId: string) =>
        (await database.db.select({ id: clients.id, name: clients.name }).from(clients).where(and(eq(clients.tenantId, tenantId), eq(clients.kind, kind), eq(clients.externalId, externalId))))[0];
      const orgA = await clientId('zendesk_organization', '501');
      expect(orgA?.name).toBe('Org A');

      const danaAccess = (await principalOf(database.db, tenantId, dana.agent.id)).access;
      expect(danaAccess.roles).toEqual(['agent']);
      expect(danaAccess.clients).toEqual(new Set([orgA!.id, (await clientId('zendesk_group', '601'))!.id]));
      const boAccess = (await principalOf(database.db, tenantId, bo.agent.id)).access;
      expect(boAccess.clients === 'all' || boAccess.clients.has(orgA!.id)).toBe(false);

      expect((await principalOf(database.db, tenantId, ada.agent.id)).access.roles).toEqual(['admin']);
      expect((await t.call('GET', '/api/admin/settings', { token: ada.token })).status).toBe(200);
      expect((await t.call('GET', '/api/admin/settings', { token: dana.token })).status).toBe(403);
    });

    it('follows the user when Zendesk changes them: a move from org A to org B swaps the client on the next load', async () => {
      const mover = { id: 7010, name: 'Mo Mover', role: 'agent' as const, organizations: [ORG_A] };
      zendesk.addUser(mover);
      const first = await signIn('acme', mover);
      zendesk.addUser({ ...mover, organizations: [ORG_B] });
      const second = await signIn('acme', mover);
      expect(second.agent.id).toBe(first.agent.id);
      const tenantId = (await installationOf('acme'))!.tenantId;
      const access = (await principalOf(database.db, tenantId, first.agent.id)).access;
      const orgOf = async (id: string) => (await database.db.select({ externalId: clients.externalId }).from(clients).where(eq(clients.id, id)))[0]!.externalId;
      expect(access.clients === 'all' ? 'all' : await Promise.all([...access.clients].map(orgOf))).toEqual(['502']);
    });

    it('refuses a replayed token: the second POST of the same token is a 401', async () => {
      const token = await sign(zendeskClaims('acme', USERS.dana.id));
      expect((await postSidebar(token)).status).toBe(200);
      const again = await postSidebar(token);
      expect(again.status).toBe(401);
      expect(again.json.error.message).toMatch(/used already/);
      // Only a hash of the token is kept.
      const stored = await database.db.select().from(nonces).where(eq(nonces.kind, 'zendesk_signed_url'));
      expect(stored.some((row) => row.value === token || token.includes(row.value))).toBe(false);
    });

    it('refuses end users, suspended users and users the account does not have, creating no agent', async () => {
      const before = (await database.db.select({ id: agents.id }).from(agents)).length;
      const erin = await postSidebar(await sign(zendeskClaims('acme', USERS.erin.id)));
      expect(erin.status).toBe(403);
      expect(erin.json.error.message).toMatch(/agents and admins/);
      const sam = await postSidebar(await sign(zendeskClaims('acme', USERS.sam.id)));
      expect(sam.status).toBe(401);
      expect(sam.json.error.message).toMatch(/suspended/);
      const ghost = await postSidebar(await sign(zendeskClaims('acme', 424242)));
      expect(ghost.status).toBe(401);
      expect(ghost.json.error.message).toMatch(/does not exist/);
      expect((await database.db.select({ id: agents.id }).from(agents)).length).toBe(before);
    });

    it('refuses a user Parley deactivated, even with a valid token', async () => {
      const user = { id: 7011, name: 'Dee Activated', role: 'agent' as const };
      zendesk.addUser(user);
      const session = await signIn('acme', user);
      await database.db.update(agents).set({ active: false }).where(eq(agents.id, session.agent.id));
      const res = await postSidebar(await sign(zendeskClaims('acme', user.id)));
      expect(res.status).toBe(401);
      expect(res.json.error.message).toMatch(/deactivated/);
    });

    it('answers 503 when Zendesk cannot say who the user is, and signs in once it can', async () => {
      zendesk.failNext(1, 503);
      const res = await postSidebar(await sign(zendeskClaims('acme', USERS.dana.id)));
      expect(res.status).toBe(503);
      expect(res.json.error.code).toBe('ZENDESK_UNAVAILABLE');
      await signIn('acme', USERS.dana);
    });

    describe('refuses forged and unfit tokens with 401, provisioning nothing', () => {
      const victim = 'fresh';
      const attacks: [string, () => Promise<string>, RegExp][] = [
        ['alg: none', async () => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(zendeskClaims(victim, USERS.dana.id))}.`, /not signed with an accepted algorithm|malformed/],
        [
          'HS256 keyed with the app’s public key',
          () => new SignJWT(zendeskClaims(victim, USERS.dana.id)).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(appKey.pem)),
          /not signed with an accepted algorithm/,
        ],
        ['expired', () => sign({ ...zendeskClaims(victim, USERS.dana.id), iat: now() - 900, exp: now() - 600 }), /has expired/],
        ['iat in the future', () => sign({ ...zendeskClaims(victim, USERS.dana.id), iat: now() + 600, exp: now() + 900 }), /issued in the future/],
        ['aud of another account', () => sign({ ...zendeskClaims(victim, USERS.dana.id), aud: `https://other.zendesk.com/api/v2/apps/installations/${INSTALLATION}.json` }), /another audience/],
        ['aud that is no installation', () => sign({ ...zendeskClaims(victim, USERS.dana.id), aud: 'https://parley.example/zendesk' }), /another audience/],
        ['iss that is not Zendesk', () => sign({ ...zendeskClaims(victim, USERS.dana.id), iss: `${victim}.zendesk.com.evil.example` }), /does not come from a Zendesk account/],
        ['signed with another app’s key', () => sign(zendeskClaims(victim, USERS.dana.id), otherAppKey.privateKey), /signature that does not verify/],
        ['no sub', () => sign({ ...zendeskClaims(victim, USERS.dana.id), sub: undefined }), /lacks the "sub" claim/],
        ['no exp', () => sign({ ...zendeskClaims(victim, USERS.dana.id), exp: undefined }), /lacks the "exp" claim/],
        ['sub naming a user of another account', () => sign({ ...zendeskClaims(victim, USERS.dana.id), sub: `https://other.zendesk.com/api/v2/users/${USERS.dana.id}.json` }), /does not name a Zendesk user/],
        ['not a JWT', async () => 'abc.def.ghi', /malformed/],
      ];

      it.each(attacks)('%s', async (_name, forge, message) => {
        const agentsBefore = (await database.db.select({ id: agents.id }).from(agents)).length;
        const res = await postSidebar(await forge());
        expect(res.status).toBe(401);
        expect(res.json.error.code).toBe('UNAUTHORIZED');
        expect(res.json.error.message).toMatch(message);
        expect(res.text).not.toContain('parley-session');
        expect(await installationOf(victim)).toBeUndefined();
        expect((await database.db.select({ id: agents.id }).from(agents)).length).toBe(agentsBefore);
      });

      it('a token from an account where the app is not installed', async () => {
        // The fake answers the key for our app only; another app id has no key here.
        const identity = createHostIdentity({ zendesk: { appId: '900099', apiBaseUrl: zendesk.url, auth: ZENDESK_AUTH, timeoutMs: 5_000 } });
        const other = await buildTestApp(database, janus, { demo: false, identity });
        try {
          const res = await other.app.request('/zendesk/sidebar', {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ token: await sign(zendeskClaims(victim, USERS.dana.id)) }).toString(),
          });
          expect(res.status).toBe(401);
          expect((await res.json()).error.message).toMatch(/not installed/);
          expect(await installationOf(victim)).toBeUndefined();
        } finally {
          await other.close();
        }
      });

      it('no token, or a token outside a form post', async () => {
        expect((await postSidebar(undefined)).status).toBe(401);
        const asJson = await t.app.request('/zendesk/sidebar', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: await sign(zendeskClaims(victim, USERS.dana.id)) }) });
        expect(asJson.status).toBe(401);
        const brokenMultipart = await t.app.request('/zendesk/sidebar', { method: 'POST', headers: { 'content-type': 'multipart/form-data' }, body: 'token=x' });
        expect(brokenMultipart.status).toBe(401);
        expect(await installationOf(victim)).toBeUndefined();
      });
    });

    it('fetches the key again once when a signature fails (rotation), but not for every forged token', async () => {
      const keyPath = `/api/v2/apps/${APP_ID}/public_key.pem`;
      const keyFetches = () => zendesk.requests().filter((r) => r.path === keyPath).length;
      await signIn('rotating', USERS.dana);
      const before = keyFetches();
      const rotated = await rsaKey();
      zendesk.setAppPublicKey(APP_ID, rotated.pem);
      try {
        const res = await postSidebar(await sign(zendeskClaims('rotating', USERS.dana.id), rotated.privateKey));
        expect(res.status, res.text).toBe(200);
        expect(keyFetches()).toBe(before + 1);
        // A forged token right after: refused without asking Zendesk again.
        const forged = await postSidebar(await sign(zendeskClaims('rotating', USERS.dana.id), otherAppKey.privateKey));
        expect(forged.status).toBe(401);
        expect(keyFetches()).toBe(before + 1);
      } finally {
        zendesk.setAppPublicKey(APP_ID, appKey.pem);
      }
    });
  });
});

describe('Zendesk sign-in configuration', () => {
  it('needs API credentials with the app id, since users are read from the account', () => {
    expect(() => loadConfig({ ZENDESK_APP_ID: APP_ID })).toThrow(ConfigError);
    expect(() => loadConfig({ ZENDESK_APP_ID: APP_ID })).toThrow(/ZENDESK_APP_ID:/);
    expect(() => loadConfig({ ZENDESK_APP_ID: 'parley' })).toThrow(/ZENDESK_APP_ID:/);
    expect(loadConfig({ ZENDESK_APP_ID: APP_ID, ZENDESK_OAUTH_TOKEN: ZENDESK_AUTH.oauthToken }).identity.zendeskAppId).toBe(APP_ID);
  });
});
