import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { and, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignedXml } from 'xml-crypto';
import type { Database } from '../../backend/src/db/client.js';
import { agents, auditEvents, nonces } from '../../backend/src/db/schema/index.js';
import { openAgentSession } from '../../backend/src/services/sessions/open-agent-session.js';
import { provisionTenant } from '../../backend/src/services/tenants/provision.js';
import type { LocalJanus } from '../../media/janus/local-node.js';
import { databaseKinds, freshDatabase } from '../support/databases.js';
import { seedAgent } from '../support/principals.js';
import { buildTestApp, PUBLIC_BASE_URL, type TestApp } from '../support/test-app.js';

/**
 * The test plays the company's identity provider: its own key pair and self-signed certificate,
 * SAML responses built and signed (exclusive c14n, RSA-SHA256) the way IdPs sign assertions.
 */
const IDP_ENTITY_ID = 'https://idp.acme.example/saml';
const IDP_SSO_URL = 'http://127.0.0.1:9/sso';
const EMAIL_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';

interface KeyPair {
  key: string;
  cert: string;
}
let keysDir: string;
let idp: KeyPair;
let rogue: KeyPair;

function generateKeyPair(name: string): KeyPair {
  const key = join(keysDir, `${name}.key`);
  const cert = join(keysDir, `${name}.crt`);
  execFileSync('/usr/bin/openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

beforeAll(() => {
  keysDir = mkdtempSync(join(tmpdir(), 'parley-saml-keys-'));
  idp = generateKeyPair('idp');
  rogue = generateKeyPair('rogue');
});
afterAll(() => rmSync(keysDir, { recursive: true, force: true }));

const sp = (tenantId: string) => ({
  entityId: `${PUBLIC_BASE_URL}/auth/saml/${tenantId}/metadata`,
  acs: `${PUBLIC_BASE_URL}/auth/saml/${tenantId}/acs`,
});
const iso = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

interface ResponseFacts {
  tenantId: string;
  requestId: string | null;
  nameId: string;
  audience?: string;
  recipient?: string;
  destination?: string;
  notOnOrAfter?: string;
  assertionId?: string;
}

function responseXml(f: ResponseFacts): string {
  const { entityId, acs } = sp(f.tenantId);
  const inResponseTo = f.requestId ? ` InResponseTo="${f.requestId}"` : '';
  const until = f.notOnOrAfter ?? iso(5 * 60_000);
  return (
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ` +
    `ID="_r${randomUUID()}" Version="2.0" IssueInstant="${iso(0)}" Destination="${f.destination ?? acs}"${inResponseTo}>` +
    `<saml:Issuer>${IDP_ENTITY_ID}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
    `<saml:Assertion ID="${f.assertionId ?? `_a${randomUUID()}`}" Version="2.0" IssueInstant="${iso(0)}">` +
    `<saml:Issuer>${IDP_ENTITY_ID}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="${EMAIL_FORMAT}">${f.nameId}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">` +
    `<saml:SubjectConfirmationData${inResponseTo} NotOnOrAfter="${until}" Recipient="${f.recipient ?? acs}"/>` +
    `</saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${iso(-60_000)}" NotOnOrAfter="${until}">` +
    `<saml:AudienceRestriction><saml:Audience>${f.audience ?? entityId}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${iso(0)}" SessionIndex="_s${randomUUID()}"><saml:AuthnContext>` +
    `<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef>` +
    `</saml:AuthnContext></saml:AuthnStatement></saml:Assertion></samlp:Response>`
  );
}

/** Signs the assertion (enveloped, placed after its Issuer), as IdPs do by default. */
function signAssertion(xml: string, keys: KeyPair = idp): string {
  const sig = new SignedXml({
    privateKey: keys.key,
    publicCert: keys.cert,
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  });
  sig.addReference({
    xpath: "//*[local-name(.)='Assertion']",
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
  });
  sig.computeSignature(xml, { location: { reference: "//*[local-name(.)='Assertion']/*[local-name(.)='Issuer']", action: 'after' } });
  return sig.getSignedXml();
}

const parseXml = (xml: string) =>
  new DOMParser({
    errorHandler: {
      error: (message: string) => {
        throw new Error(`not well-formed XML: ${message}`);
      },
      fatalError: (message: string) => {
        throw new Error(`not well-formed XML: ${message}`);
      },
    },
  }).parseFromString(xml, 'text/xml');
const serialize = (doc: ReturnType<typeof parseXml>) => new XMLSerializer().serializeToString(doc);
const SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';
const SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
const DSIG = 'http://www.w3.org/2000/09/xmldsig#';

/** A copy of the signed assertion, unsigned, naming another user: what an attacker wraps in. */
function evilTwin(assertion: Element, nameId: string): Element {
  const evil = assertion.cloneNode(true) as Element;
  evil.setAttribute('ID', `_evil${randomUUID()}`);
  const signature = evil.getElementsByTagNameNS(DSIG, 'Signature')[0];
  if (signature) evil.removeChild(signature);
  evil.getElementsByTagNameNS(SAML, 'NameID')[0]!.textContent = nameId;
  return evil;
}

/** Sign-in never touches media: a node that is configured but never contacted. */
const noMediaServer = {
  node: { id: 'unused', wsUrl: 'ws://127.0.0.1:9', adminUrl: 'http://127.0.0.1:9', browserUrl: 'http://127.0.0.1:9', apiSecret: 'x'.repeat(16), adminSecret: 'x'.repeat(16), adminKey: 'x'.repeat(16) },
} as LocalJanus;

describe.each(databaseKinds)('SAML sign-in to the console on %s', (kind) => {
  let database: Database;
  let t: TestApp;
  let tenantId: string;
  let otherTenantId: string;
  let unconfiguredTenantId: string;
  let adminToken: string;
  let supervisorToken: string;
  const dana = 'dana@acme.example';
  const boss = 'boss@acme.example';
  const gone = 'gone@acme.example';

  const setUserName = (agentId: string, userName: string, active = true) =>
    database.db.update(agents).set({ userName, active }).where(eq(agents.id, agentId));
  const signIns = async () =>
    (await database.db.select({ n: count() }).from(auditEvents).where(and(eq(auditEvents.action, 'agent.signed_in'), eq(auditEvents.tenantId, tenantId))))[0]!.n;

  const configure = (token: string, body: Record<string, unknown>) => t.call('PUT', '/api/admin/saml', { token, body });

  /** The sign-in cookie of the test's one browser, as the login route set it. */
  let browserCookie: string | undefined;

  /** Starts a sign-in as a browser would and returns the AuthnRequest the IdP receives. */
  async function startLogin(tenant: string, cookie = browserCookie, query = '') {
    const res = await t.app.request(`/auth/saml/${tenant}/login${query}`, { headers: cookie ? { cookie } : {} });
    expect(res.status).toBe(302);
    const setCookie = res.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=None/);
    expect(setCookie).toMatch(/Secure/);
    if (!cookie) browserCookie = setCookie.split(';')[0];
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(IDP_SSO_URL);
    const request = inflateRawSync(Buffer.from(location.searchParams.get('SAMLRequest')!, 'base64')).toString('utf8');
    const doc = parseXml(request);
    const root = doc.documentElement!;
    return {
      id: root.getAttribute('ID')!,
      acs: root.getAttribute('AssertionConsumerServiceURL'),
      issuer: root.getElementsByTagNameNS(SAML, 'Issuer')[0]!.textContent,
      relayState: location.searchParams.get('RelayState'),
    };
  }

  async function post(tenant: string, xml: string, cookie = browserCookie, relayState = 'console') {
    const res = await t.app.request(`/auth/saml/${tenant}/acs`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
      body: new URLSearchParams({ SAMLResponse: Buffer.from(xml).toString('base64'), RelayState: relayState }).toString(),
    });
    return { status: res.status, location: res.headers.get('location'), cacheControl: res.headers.get('cache-control'), text: await res.text() };
  }

  /** A refusal: the status and words the person sees, and no session anywhere. */
  async function expectRefused(result: Awaited<ReturnType<typeof post>>, status: 401 | 403, message: RegExp, signInsBefore: number) {
    expect(result.status).toBe(status);
    expect(result.location).toBeNull();
    expect(result.text).toMatch(message);
    expect(result.text).not.toMatch(/session=/);
    expect(await signIns()).toBe(signInsBefore);
  }

  beforeAll(async () => {
    database = await freshDatabase(kind);
    t = await buildTestApp(database, noMediaServer, { demo: false });
    ({ tenantId } = await provisionTenant(database.db, { host: 'zendesk', externalAccountId: 'acme' }));
    ({ tenantId: otherTenantId } = await provisionTenant(database.db, { host: 'zendesk', externalAccountId: 'globex' }));
    ({ tenantId: unconfiguredTenantId } = await provisionTenant(database.db, { host: 'zendesk', externalAccountId: 'initech' }));

    const admin = await seedAgent(database.db, tenantId, { roles: ['admin'], name: 'Ada Admin' });
    await setUserName(admin.agentId, boss);
    adminToken = (await openAgentSession(database.db, t.tokens, admin)).token;
    const supervisor = await seedAgent(database.db, tenantId, { roles: ['supervisor', 'dpo'], name: 'Dana Supervisor' });
    await setUserName(supervisor.agentId, dana);
    supervisorToken = (await openAgentSession(database.db, t.tokens, supervisor)).token;
    const leaver = await seedAgent(database.db, tenantId, { roles: ['supervisor'], name: 'Gone Leaver' });
    await setUserName(leaver.agentId, gone, false);

    const otherAdmin = await seedAgent(database.db, otherTenantId, { roles: ['admin'] });
    const otherAdminToken = (await openAgentSession(database.db, t.tokens, otherAdmin)).token;
    // The other account trusts the same IdP, so only the tenant scoping of request ids tells them apart.
    expect((await configure(otherAdminToken, { idpEntityId: IDP_ENTITY_ID, idpSsoUrl: IDP_SSO_URL, idpCertificate: idp.cert })).status).toBe(200);
    expect((await configure(adminToken, { idpEntityId: IDP_ENTITY_ID, idpSsoUrl: IDP_SSO_URL, idpCertificate: idp.cert })).status).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
    await database?.close();
  });

  describe('set-up', () => {
    it('shows admins the identity provider and what to enter there', async () => {
      const res = await t.call('GET', '/api/admin/saml', { token: adminToken });
      expect(res.status).toBe(200);
      expect(res.body.configured).toBe(true);
      expect(res.body.serviceProvider).toEqual({ metadataUrl: sp(tenantId).entityId, acsUrl: sp(tenantId).acs, loginUrl: `${PUBLIC_BASE_URL}/auth/saml/${tenantId}/login` });
      expect(res.body.identityProvider).toMatchObject({ entityId: IDP_ENTITY_ID, ssoUrl: IDP_SSO_URL, enabled: true });
      expect(res.body.identityProvider.certificates).toHaveLength(1);
      expect(res.body.identityProvider.certificates[0].subject).toBe('CN=idp');
      const audit = await database.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'saml.configured'), eq(auditEvents.tenantId, tenantId)));
      expect(audit).toHaveLength(1);
    });

    it('refuses a certificate that is not PEM, and a private key pasted by mistake', async () => {
      const garbage = await configure(adminToken, { idpEntityId: IDP_ENTITY_ID, idpSsoUrl: IDP_SSO_URL, idpCertificate: 'not a certificate' });
      expect(garbage.status).toBe(400);
      expect(garbage.body.error.message).toMatch(/idpCertificate: Not a PEM certificate/);
      const notX509 = `-----BEGIN CERTIFICATE-----\n${Buffer.from('hello, not DER').toString('base64')}\n-----END CERTIFICATE-----\n`;
      const broken = await configure(adminToken, { idpEntityId: IDP_ENTITY_ID, idpSsoUrl: IDP_SSO_URL, idpCertificate: notX509 });
      expect(broken.status).toBe(400);
      expect(broken.body.error.message).toMatch(/not a valid X\.509 certificate/);
      const key = await configure(adminToken, { idpEntityId: IDP_ENTITY_ID, idpSsoUrl: IDP_SSO_URL, idpCertificate: idp.key });
      expect(key.status).toBe(400);
      expect(key.body.error.message).toMatch(/private key/);
      expect(JSON.stringify(key.body)).not.toContain(idp.key.split('\n')[1]);
      const stored = await t.call('GET', '/api/admin/saml', { token: adminToken });
      expect(stored.body.identityProvider.certificate).toBe(idp.cert.trim());
    });

    it('refuses a plain-http SSO URL other than loopback', async () => {
      const res = await configure(adminToken, { idpEntityId: IDP_ENTITY_ID, idpSsoUrl: 'http://idp.acme.example/sso', idpCertificate: idp.cert });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/idpSsoUrl: must be an https URL/);
    });

    it('lets only admins read or change it', async () => {
      expect((await t.call('GET', '/api/admin/saml', { token: supervisorToken })).status).toBe(403);
      const res = await configure(supervisorToken, { idpEntityId: 'https://evil.example', idpSsoUrl: 'https://evil.example/sso', idpCertificate: rogue.cert });
      expect(res.status).toBe(403);
      expect((await t.call('GET', '/api/admin/saml')).status).toBe(401);
      expect((await t.call('GET', '/api/admin/saml', { token: adminToken })).body.identityProvider.entityId).toBe(IDP_ENTITY_ID);
    });

    it('describes the sign-in, set-up and who-am-I routes in the OpenAPI document', async () => {
      const doc = (await t.call('GET', '/api/openapi.json')).body;
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining(['/auth/saml/{tenant}/metadata', '/auth/saml/{tenant}/login', '/auth/saml/{tenant}/acs', '/api/admin/saml', '/api/me']),
      );
      expect(doc.paths['/auth/saml/{tenant}/acs'].post.requestBody.content).toHaveProperty('application/x-www-form-urlencoded');
    });

    it('publishes SP metadata naming the entity id, the ACS and signed assertions', async () => {
      const res = await t.app.request(`/auth/saml/${tenantId}/metadata`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/samlmetadata\+xml/);
      const doc = parseXml(await res.text());
      const entity = doc.documentElement!;
      expect(entity.localName).toBe('EntityDescriptor');
      expect(entity.getAttribute('entityID')).toBe(sp(tenantId).entityId);
      const descriptor = entity.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:metadata', 'SPSSODescriptor')[0]!;
      expect(descriptor.getAttribute('WantAssertionsSigned')).toBe('true');
      const acs = entity.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:metadata', 'AssertionConsumerService')[0]!;
      expect(acs.getAttribute('Location')).toBe(sp(tenantId).acs);
      expect(acs.getAttribute('Binding')).toBe('urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST');
      expect((await t.app.request(`/auth/saml/${randomUUID()}/metadata`)).status).toBe(404);
    });
  });

  describe('signing in', () => {
    it('sends the browser to the IdP with a request it remembers, and opens the console for a valid signed answer', async () => {
      const request = await startLogin(tenantId);
      expect(request.acs).toBe(sp(tenantId).acs);
      expect(request.issuer).toBe(sp(tenantId).entityId);
      const before = await signIns();

      const res = await post(tenantId, signAssertion(responseXml({ tenantId, requestId: request.id, nameId: dana })));
      expect(res.status).toBe(303);
      expect(res.cacheControl).toBe('no-store');
      const location = new URL(res.location!, PUBLIC_BASE_URL);
      expect(location.pathname).toBe('/app/console.html');
      expect(location.search).toBe('');
      const session = new URLSearchParams(location.hash.slice(1)).get('session')!;

      const me = await t.call('GET', '/api/me', { token: session });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ displayName: 'Dana Supervisor', tenantId, roles: ['dpo', 'supervisor'] });
      expect(await signIns()).toBe(before + 1);
      const [audit] = await database.db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.action, 'agent.signed_in'), eq(auditEvents.subjectId, me.body.id)));
      expect(audit!.details).toEqual({ method: 'saml' });
    });

    it('comes back to the recording viewer a ticket note’s link started the sign-in from, and nowhere else', async () => {
      const recordingId = randomUUID();
      const request = await startLogin(tenantId, browserCookie, `?recording=${recordingId}`);
      expect(request.relayState).toBe(`recording:${recordingId}`);
      const res = await post(tenantId, signAssertion(responseXml({ tenantId, requestId: request.id, nameId: dana })), browserCookie, request.relayState!);
      expect(res.status).toBe(303);
      const location = new URL(res.location!, PUBLIC_BASE_URL);
      // The account stays in the address, so the viewer can offer the sign-in again after a reload.
      expect(`${location.pathname}${location.search}`).toBe(`/app/recording.html?account=${tenantId}&recording=${recordingId}`);
      const session = new URLSearchParams(location.hash.slice(1)).get('session')!;
      expect((await t.call('GET', '/api/me', { token: session })).status).toBe(200);

      // A RelayState changed on the way opens the console: it can name no other page.
      const again = await startLogin(tenantId);
      const edited = await post(tenantId, signAssertion(responseXml({ tenantId, requestId: again.id, nameId: dana })), browserCookie, 'https://evil.example/');
      expect(new URL(edited.location!, PUBLIC_BASE_URL).pathname).toBe('/app/console.html');
      // And a sign-in asked for with something that is not a recording id is refused before the IdP.
      const bad = await t.app.request(`/auth/saml/${tenantId}/login?recording=..%2Fadmin`, { headers: browserCookie ? { cookie: browserCookie } : {} });
      expect(bad.status).toBe(400);
    });

    it('signs out everywhere: every session of the user ends at once', async () => {
      const sessionOf = async () => {
        const request = await startLogin(tenantId);
        const res = await post(tenantId, signAssertion(responseXml({ tenantId, requestId: request.id, nameId: dana })));
        expect(res.status).toBe(303);
        return new URLSearchParams(new URL(res.location!, PUBLIC_BASE_URL).hash.slice(1)).get('session')!;
      };
      const here = await sessionOf();
      const elsewhere = await sessionOf();
      expect((await t.call('GET', '/api/me', { token: elsewhere })).status).toBe(200);
      expect((await t.call('POST', '/api/me/sign-out', { token: here })).status).toBe(204);
      expect((await t.call('GET', '/api/me', { token: here })).status).toBe(401);
      expect((await t.call('GET', '/api/me', { token: elsewhere })).status).toBe(401);
      // A new sign-in works again.
      expect((await t.call('GET', '/api/me', { token: await sessionOf() })).status).toBe(200);
      const [audit] = await database.db.select().from(auditEvents).where(eq(auditEvents.action, 'agent.signed_out'));
      expect(audit).toMatchObject({ tenantId, actorType: 'agent', details: { everywhere: true } });
    });

    it('matches the user name without regard to case', async () => {
      const request = await startLogin(tenantId);
      const res = await post(tenantId, signAssertion(responseXml({ tenantId, requestId: request.id, nameId: 'Dana@ACME.example' })));
      expect(res.status).toBe(303);
    });

    it('refuses a valid response posted from a browser that did not start the sign-in (login CSRF)', async () => {
      // The attacker starts a sign-in in their own browser and gets a valid response for themselves...
      const attackerBrowser = 'parley_saml_browser=attacker-browser-value';
      const request = await startLogin(tenantId, attackerBrowser);
      const xml = signAssertion(responseXml({ tenantId, requestId: request.id, nameId: dana }));
      const before = await signIns();
      // ...and makes the victim's browser post it: other cookie, or none at all.
      await expectRefused(await post(tenantId, xml), 401, /not started in this browser/, before);
      await expectRefused(await post(tenantId, xml, ''), 401, /not started in this browser/, before);
      // The browser that started it still can.
      expect((await post(tenantId, xml, attackerBrowser)).status).toBe(303);
    });

    it('refuses an unsigned assertion', async () => {
      const before = await signIns();
      const request = await startLogin(tenantId);
      await expectRefused(await post(tenantId, responseXml({ tenantId, requestId: request.id, nameId: dana })), 401, /not signed by this account’s identity provider/, before);
    });

    it('refuses an assertion signed by another key', async () => {
      const before = await signIns();
      const request = await startLogin(tenantId);
      const forged = signAssertion(responseXml({ tenantId, requestId: request.id, nameId: boss }), rogue);
      await expectRefused(await post(tenantId, forged), 401, /not signed by this account’s identity provider/, before);
    });

    describe('signature wrapping', () => {
      /** A genuine response for the low-privileged user, for the attacker to rework. */
      async function genuine() {
        const request = await startLogin(tenantId);
        const doc = parseXml(signAssertion(responseXml({ tenantId, requestId: request.id, nameId: dana })));
        const response = doc.documentElement!;
        const signed = response.getElementsByTagNameNS(SAML, 'Assertion')[0]!;
        return { doc, response, signed };
      }

      it('refuses a second, unsigned assertion next to the signed one', async () => {
        const before = await signIns();
        for (const where of ['before', 'after'] as const) {
          const { doc, response, signed } = await genuine();
          const evil = evilTwin(signed, boss);
          if (where === 'before') response.insertBefore(evil, signed);
          else response.appendChild(evil);
          await expectRefused(await post(tenantId, serialize(doc)), 401, /not signed by this account’s identity provider/, before);
        }
      });

      it('refuses the signed assertion moved into Extensions with a forged one in its place', async () => {
        const before = await signIns();
        const { doc, response, signed } = await genuine();
        const evil = evilTwin(signed, boss);
        const extensions = doc.createElementNS(SAMLP, 'samlp:Extensions');
        response.replaceChild(evil, signed);
        extensions.appendChild(signed);
        response.insertBefore(extensions, response.getElementsByTagNameNS(SAMLP, 'Status')[0]!);
        await expectRefused(await post(tenantId, serialize(doc)), 401, /not signed by this account’s identity provider/, before);
      });

      it('refuses a forged assertion carrying the genuine signature, the signed one hidden in its ds:Object', async () => {
        const before = await signIns();
        const { doc, response, signed } = await genuine();
        const evil = evilTwin(signed, boss);
        const signature = signed.getElementsByTagNameNS(DSIG, 'Signature')[0]!;
        signed.removeChild(signature);
        const object = doc.createElementNS(DSIG, 'ds:Object');
        object.appendChild(signed);
        signature.appendChild(object);
        evil.insertBefore(signature, evil.getElementsByTagNameNS(SAML, 'Subject')[0]!);
        response.appendChild(evil);
        await expectRefused(await post(tenantId, serialize(doc)), 401, /not signed by this account’s identity provider/, before);
      });
    });

    it('refuses an assertion for another audience', async () => {
      const before = await signIns();
      const request = await startLogin(tenantId);
      const xml = signAssertion(responseXml({ tenantId, requestId: request.id, nameId: dana, audience: sp(otherTenantId).entityId }));
      await expectRefused(await post(tenantId, xml), 401, /issued for another service/, before);
    });

    it('refuses a response whose recipient or destination is another ACS', async () => {
      const before = await signIns();
      const request = await startLogin(tenantId);
      const wrongRecipient = signAssertion(responseXml({ tenantId, requestId: request.id, nameId: dana, recipient: sp(otherTenantId).acs }));
      await expectRefused(await post(tenantId, wrongRecipient), 401, /addressed to another sign-in address/, before);
      const again = await startLogin(tenantId);
      const wrongDestination = signAssertion(responseXml({ tenantId, requestId: again.id, nameId: dana, destination: 'https://elsewhere.example/acs' }));
      await expectRefused(await post(tenantId, wrongDestination), 401, /addressed to another sign-in address/, before);
    });

    it('refuses an expired assertion', async () => {
      const before = await signIns();
      const request = await startLogin(tenantId);
      const xml = signAssertion(responseXml({ tenantId, requestId: request.id, nameId: dana, notOnOrAfter: iso(-10 * 60_000) }));
      await expectRefused(await post(tenantId, xml), 401, /expired or is not valid yet/, before);
    });

    it('refuses a response to no request, to another account’s request, or naming none', async () => {
      const before = await signIns();
      const unknown = signAssertion(responseXml({ tenantId, requestId: `_${randomUUID()}`, nameId: dana }));
      await expectRefused(await post(tenantId, unknown), 401, /does not answer a sign-in started here/, before);

      const othersRequest = await startLogin(otherTenantId);
      const crossTenant = signAssertion(responseXml({ tenantId, requestId: othersRequest.id, nameId: dana }));
      await expectRefused(await post(tenantId, crossTenant), 401, /does not answer a sign-in started here/, before);
      const stillThere = await database.db.select().from(nonces).where(and(eq(nonces.kind, 'saml_request'), eq(nonces.value, `${otherTenantId}:${othersRequest.id}`)));
      expect(stillThere).toHaveLength(1);

      await startLogin(tenantId);
      const unsolicited = signAssertion(responseXml({ tenantId, requestId: null, nameId: dana }));
      await expectRefused(await post(tenantId, unsolicited), 401, /does not answer a sign-in started here/, before);
    });

    it('refuses the same response posted twice', async () => {
      const request = await startLogin(tenantId);
      const xml = signAssertion(responseXml({ tenantId, requestId: request.id, nameId: dana }));
      expect((await post(tenantId, xml)).status).toBe(303);
      const before = await signIns();
      await expectRefused(await post(tenantId, xml), 401, /Sign in again/, before);
    });

    it('lets only one of two simultaneous posts of a response through', async () => {
      const before = await signIns();
      const request = await startLogin(tenantId);
      const xml = signAssertion(responseXml({ tenantId, requestId: request.id, nameId: dana }));
      const results = await Promise.all([post(tenantId, xml), post(tenantId, xml)]);
      expect(results.map((r) => r.status).sort()).toEqual([303, 401]);
      expect(await signIns()).toBe(before + 1);
    });

    it('refuses a NameID that is no user of this account, and creates nobody', async () => {
      const before = await signIns();
      const users = async () => (await database.db.select({ n: count() }).from(agents))[0]!.n;
      const usersBefore = await users();
      const request = await startLogin(tenantId);
      const xml = signAssertion(responseXml({ tenantId, requestId: request.id, nameId: 'stranger@acme.example' }));
      await expectRefused(await post(tenantId, xml), 403, /no Parley user with that name in this account/, before);
      expect(await users()).toBe(usersBefore);
    });

    it('refuses a deactivated user', async () => {
      const before = await signIns();
      const request = await startLogin(tenantId);
      const xml = signAssertion(responseXml({ tenantId, requestId: request.id, nameId: gone }));
      await expectRefused(await post(tenantId, xml), 403, /is deactivated/, before);
    });

    it('refuses sign-in to an account without SAML', async () => {
      const res = await t.app.request(`/auth/saml/${unconfiguredTenantId}/login`);
      expect(res.status).toBe(403);
      expect(res.headers.get('location')).toBeNull();
      expect(await res.text()).toMatch(/Single sign-on is not set up for this account/);
      const before = await signIns();
      const xml = signAssertion(responseXml({ tenantId: unconfiguredTenantId, requestId: `_${randomUUID()}`, nameId: dana }));
      const posted = await post(unconfiguredTenantId, xml);
      expect(posted.status).toBe(403);
      expect(posted.location).toBeNull();
      expect(posted.text).toMatch(/Single sign-on is not set up for this account/);
      expect(await signIns()).toBe(before);
    });

    it('answers a post without a SAMLResponse with a page, not a crash', async () => {
      const res = await t.app.request(`/auth/saml/${tenantId}/acs`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'RelayState=x',
      });
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/incomplete or not valid/);
    });
  });
});
