import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { SignJWT, exportSPKI, generateKeyPair, importJWK, type JWK, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../backend/src/config.js';
import { startFakeMicrosoftIdentity, type FakeMicrosoftIdentity } from '../../backend/src/adapters/teams/fake-entra.js';
import type { Database } from '../../backend/src/db/client.js';
import { agentRoles, agents, auditEvents, roles } from '../../backend/src/db/schema/index.js';
import { createHostIdentity } from '../../backend/src/services/identity/host-identity.js';
import { provisionTenant } from '../../backend/src/services/tenants/provision.js';
import type { LocalJanus } from '../../media/janus/local-node.js';
import { databaseKinds, freshDatabase } from '../support/databases.js';
import { entraV2Claims } from '../support/entra-tokens.js';
import { principalOf } from '../support/principals.js';
import { buildTestApp, startTestJanus } from '../support/test-app.js';

const CLIENT_ID = '3f1c6a2e-8b4d-4e7a-9c1f-2d5b6e7a8c90';
const APP_ID_URI = `api://parley.example/${CLIENT_ID}`;
const INSTALLED_TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const OTHER_TENANT = 'b3d9e1f0-4c2a-4f6e-8d7b-9a0c1e2f3a4b';

const now = () => Math.floor(Date.now() / 1000);
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A v2 access token as Entra issues it to the Teams tab for Parley's API. */
const v2Claims = (oid: string, tid = INSTALLED_TENANT) => entraV2Claims(oid, { tenantId: tid, clientId: CLIENT_ID });

/** A v1 access token (Application ID URI audience, `upn` instead of `preferred_username`). */
function v1Claims(oid: string, tid = INSTALLED_TENANT): JWTPayload {
  return {
    ver: '1.0',
    iss: `https://sts.windows.net/${tid}/`,
    aud: APP_ID_URI,
    tid,
    oid,
    scp: 'access_as_user',
    appid: '5e3ce6c0-2b1f-4285-8d4b-75ee78787346',
    name: 'Vic Version-One',
    upn: `vic.${oid.slice(0, 8)}@contoso.example`,
    sub: `subject-${oid}`,
  };
}

describe('Teams tab sign-in with Entra ID SSO tokens', () => {
  let janus: LocalJanus;
  let baseDir: string;
  let entra: FakeMicrosoftIdentity;

  beforeAll(async () => {
    baseDir = mkdtempSync(join(tmpdir(), 'parley-teams-identity-'));
    [janus, entra] = await Promise.all([startTestJanus(baseDir), startFakeMicrosoftIdentity()]);
  });
  afterAll(async () => {
    await janus?.stop();
    await entra?.close();
    rmSync(baseDir, { recursive: true, force: true });
  });

  describe.each(databaseKinds)('on %s', (kind) => {
    let database: Database;
    let t: Awaited<ReturnType<typeof buildTestApp>>;
    let tenantId: string;

    beforeAll(async () => {
      database = await freshDatabase(kind);
      const identity = createHostIdentity({ teams: { jwksUrl: entra.entraJwksUrl, audiences: [APP_ID_URI, CLIENT_ID] } });
      t = await buildTestApp(database, janus, { demo: false, identity });
      // The bot's first chat in a tenant installs Parley there.
      ({ tenantId } = await provisionTenant(database.db, { host: 'teams', externalAccountId: INSTALLED_TENANT }));
    });
    afterAll(async () => {
      await t?.close();
      await database?.close();
    });

    const session = async (token: string | undefined) => {
      const res = await t.app.request('/api/teams/session', { method: 'POST', headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
      return { status: res.status, headers: res.headers, body: (await res.json()) as { token: string; agent: { id: string; name: string }; error: { code: string; message: string } } };
    };
    const agentCount = async () => (await database.db.select({ id: agents.id }).from(agents)).length;

    it('trades a v2 token for a Parley session that works on the API', async () => {
      const oid = randomUUID();
      const res = await session(await entra.signEntraToken(v2Claims(oid)));
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.body.agent.name).toBe('Dana Agent');
      expect((await t.call('GET', '/api/meeting-types', { token: res.body.token })).status).toBe(200);

      const [agent] = await database.db.select().from(agents).where(eq(agents.id, res.body.agent.id));
      expect(agent).toMatchObject({ tenantId, host: 'teams', externalUserId: oid, userName: `dana.${oid.slice(0, 8)}@contoso.example` });
      expect((await principalOf(database.db, tenantId, agent!.id)).access.roles).toEqual(['agent']);
      const [audit] = await database.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'agent.signed_in'), eq(auditEvents.subjectId, agent!.id)));
      expect(audit?.details).toMatchObject({ method: 'teams_sso' });
    });

    it('accepts v1 tokens (sts.windows.net issuer, api:// audience) and the same user again as the same agent', async () => {
      const oid = randomUUID();
      const first = await session(await entra.signEntraToken(v1Claims(oid)));
      expect(first.status).toBe(200);
      const second = await session(await entra.signEntraToken(v2Claims(oid)));
      expect(second.status).toBe(200);
      expect(second.body.agent.id).toBe(first.body.agent.id);
    });

    it('keeps the roles an admin gave in Parley when the user signs in again', async () => {
      const oid = randomUUID();
      const first = await session(await entra.signEntraToken(v2Claims(oid)));
      expect((await t.call('GET', '/api/admin/settings', { token: first.body.token })).status).toBe(403);
      const [admin] = await database.db.select({ id: roles.id }).from(roles).where(and(eq(roles.tenantId, tenantId), eq(roles.name, 'admin')));
      await database.db.insert(agentRoles).values({ agentId: first.body.agent.id, roleId: admin!.id, source: 'admin' });
      const again = await session(await entra.signEntraToken(v2Claims(oid)));
      expect(again.status).toBe(200);
      expect((await t.call('GET', '/api/admin/settings', { token: again.body.token })).status).toBe(200);
    });

    describe('refuses forged and unfit tokens with 401, creating no agent', () => {
      const unpublishedKey = () => generateKeyPair('RS256').then((pair) => pair.privateKey);
      /** The published signing key as PEM: what an attacker uses as an HMAC secret. */
      const publishedPem = async () => {
        const jwks = (await (await fetch(entra.entraJwksUrl)).json()) as { keys: JWK[] };
        return exportSPKI((await importJWK({ ...jwks.keys[0]!, alg: 'RS256' }, 'RS256', { extractable: true })) as CryptoKey);
      };
      const without = (claim: string) => {
        const claims = v2Claims(randomUUID());
        delete claims[claim];
        return claims;
      };
      const attacks: [string, () => Promise<string>, RegExp][] = [
        ['alg: none', async () => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(v2Claims(randomUUID()))}.`, /not signed with an accepted algorithm|malformed/],
        [
          'HS256 keyed with Entra’s public key',
          async () => new SignJWT(v2Claims(randomUUID())).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(await publishedPem())),
          /not signed with an accepted algorithm/,
        ],
        ['expired', () => entra.signEntraToken({ ...v2Claims(randomUUID()), iat: now() - 7200, nbf: now() - 7200, exp: now() - 600 }), /has expired/],
        ['iat in the future', () => entra.signEntraToken(v2Claims(randomUUID()), { issuedAt: now() + 900 }), /issued in the future/],
        ['wrong aud (another app)', () => entra.signEntraToken({ ...v2Claims(randomUUID()), aud: 'api://someone-else.example/app' }), /another audience/],
        ['wrong iss (another tenant’s issuer)', () => entra.signEntraToken({ ...v2Claims(randomUUID()), iss: `https://login.microsoftonline.com/${OTHER_TENANT}/v2.0` }), /another issuer/],
        ['v2 token claiming the v1 issuer', () => entra.signEntraToken({ ...v2Claims(randomUUID()), iss: `https://sts.windows.net/${INSTALLED_TENANT}/` }), /another issuer/],
        ['a key Entra does not publish', async () => entra.signEntraToken(v2Claims(randomUUID()), { key: await unpublishedKey(), kid: 'not-a-published-kid' }), /unknown key/],
        ['another key under a published kid', async () => entra.signEntraToken(v2Claims(randomUUID()), { key: await unpublishedKey() }), /signature that does not verify/],
        ['no oid', () => entra.signEntraToken(without('oid')), /lacks the "oid" claim/],
        ['no tid', () => entra.signEntraToken(without('tid')), /lacks the "tid" claim/],
        ['no scp (an app-only token)', () => entra.signEntraToken(without('scp')), /lacks the "scp" claim/],
        ['a scope other than access_as_user', () => entra.signEntraToken({ ...v2Claims(randomUUID()), scp: 'User.Read' }), /access_as_user/],
        ['a tenant that has not installed Parley', () => entra.signEntraToken(v2Claims(randomUUID(), OTHER_TENANT)), /has not installed Parley/],
        ['not a JWT', async () => 'abc.def.ghi', /malformed/],
      ];

      it.each(attacks)('%s', async (_name, forge, message) => {
        const before = await agentCount();
        const res = await session(await forge());
        expect(res.status).toBe(401);
        expect(res.body.error.code).toBe('UNAUTHORIZED');
        expect(res.body.error.message).toMatch(message);
        expect(res.body).not.toHaveProperty('token');
        expect(await agentCount()).toBe(before);
      });

      it('no bearer token at all', async () => {
        const res = await session(undefined);
        expect(res.status).toBe(401);
        expect(res.body.error.message).toMatch(/Bearer/);
      });
    });

    it('describes both sign-in routes in the OpenAPI document', async () => {
      const doc = (await t.call('GET', '/api/openapi.json')).body;
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/teams/session', '/zendesk/sidebar']));
      expect(doc.paths['/zendesk/sidebar'].post.requestBody.content).toHaveProperty('application/x-www-form-urlencoded');
    });

    it('keeps Entra’s keys cached across sign-ins', async () => {
      const before = entra.hits('/common/discovery/v2.0/keys');
      for (let i = 0; i < 3; i++) expect((await session(await entra.signEntraToken(v2Claims(randomUUID())))).status).toBe(200);
      expect(entra.hits('/common/discovery/v2.0/keys')).toBe(before);
    });
  });
});

describe('Teams sign-in configuration', () => {
  it('takes the accepted audiences as a list and Microsoft’s common keys by default', () => {
    const config = loadConfig({ TEAMS_SSO_AUDIENCE: `${APP_ID_URI}, ${CLIENT_ID}` });
    expect(config.identity.teams).toEqual({ jwksUrl: 'https://login.microsoftonline.com/common/discovery/v2.0/keys', audiences: [APP_ID_URI, CLIENT_ID] });
    expect(loadConfig({}).identity.teams).toBeUndefined();
  });

  it.each([
    [{ TEAMS_SSO_AUDIENCE: 'https://parley.example' }, 'TEAMS_SSO_AUDIENCE'],
    [{ TEAMS_SSO_AUDIENCE: CLIENT_ID, ENTRA_JWKS_URL: 'ftp://keys.example' }, 'ENTRA_JWKS_URL'],
    [{ BOT_OPENID_METADATA_URL: 'not a url' }, 'BOT_OPENID_METADATA_URL'],
  ])('refuses %o and names %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`^\\s+${name}:`, 'm'));
  });
});
