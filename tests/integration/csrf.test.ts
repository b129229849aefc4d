import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../backend/src/db/client.js';
import { agents, auditEvents, calls, installations } from '../../backend/src/db/schema/index.js';
import type { LocalJanus } from '../../media/janus/local-node.js';
import { databaseKinds, freshDatabase } from '../support/databases.js';
import { buildTestApp, escalation, startTestJanus } from '../support/test-app.js';

/**
 * What a page on another site can send without JavaScript reading anything back: a form post
 * (urlencoded, multipart or text/plain) carrying whatever cookies the browser holds for Parley,
 * with its own Origin. It cannot set an Authorization header.
 */
const CROSS_SITE_BODIES: [string, string][] = [
  ['application/x-www-form-urlencoded', 'controllerName=Evil+Corp&meetingTypeId=x&dpoContact=evil%40evil.example'],
  ['text/plain', '{"controllerName":"Evil Corp","dpoContact":"evil@evil.example"}'],
  ['multipart/form-data; boundary=----evil', '------evil\r\nContent-Disposition: form-data; name="controllerName"\r\n\r\nEvil Corp\r\n------evil--\r\n'],
];

describe('cross-site requests', () => {
  let janus: LocalJanus;
  let baseDir: string;

  beforeAll(async () => {
    baseDir = mkdtempSync(join(tmpdir(), 'parley-csrf-'));
    janus = await startTestJanus(baseDir);
  });
  afterAll(async () => {
    await janus?.stop();
    rmSync(baseDir, { recursive: true, force: true });
  });

  describe.each(databaseKinds)('on %s', (kind) => {
    let database: Database;
    let t: Awaited<ReturnType<typeof buildTestApp>>;
    let admin: string;
    let callId: string;
    let meetingTypeId: string;

    beforeAll(async () => {
      database = await freshDatabase(kind);
      t = await buildTestApp(database, janus);
      admin = await t.signIn('acme', 'admin-1', 'admin');
      meetingTypeId = await t.meetingType(admin, 'support');
      // The same requests with the bearer header work: what the attack lacks is the header, nothing else.
      const created = await t.call('POST', '/api/calls', { token: admin, body: escalation(meetingTypeId, 'csrf-1') });
      expect(created.status).toBe(201);
      callId = created.body.call.id;
      expect((await t.call('PUT', '/api/admin/settings', { token: admin, body: { controllerName: 'Acme Bank AG' } })).status).toBe(200);
    });
    afterAll(async () => {
      await t?.close();
      await database?.close();
    });

    const stateChangingRoutes = (): [string, string][] => [
      ['POST', '/api/calls'],
      ['POST', `/api/calls/${callId}/end`],
      ['POST', `/api/calls/${callId}/recording`],
      ['PUT', '/api/admin/settings'],
      ['POST', '/api/admin/keys/rotate'],
      ['POST', `/api/admin/outbox/${randomUUID()}/retry`],
      ['PUT', `/api/admin/meeting-types/${meetingTypeId}/storage-location`],
      ['POST', `/api/recordings/${randomUUID()}/playback`],
      ['POST', '/api/teams/session'],
    ];

    /** Everything an attack could change, in one snapshot. */
    const snapshot = async () => ({
      calls: await database.db.select({ id: calls.id, state: calls.state }).from(calls),
      audit: (await database.db.select({ id: auditEvents.id }).from(auditEvents)).length,
      agents: (await database.db.select({ id: agents.id }).from(agents)).length,
      installations: (await database.db.select({ id: installations.id }).from(installations)).length,
      settings: (await t.call('GET', '/api/admin/settings', { token: admin })).body.settings,
    });

    it('refuses a cross-site form post to every state-changing route, even with a valid session in a cookie', async () => {
      const before = await snapshot();
      expect(before.calls.find((c) => c.id === callId)?.state).toBe('created');
      for (const [method, path] of stateChangingRoutes()) {
        for (const [contentType, body] of CROSS_SITE_BODIES) {
          const res = await t.app.request(path, {
            method,
            headers: {
              'content-type': contentType,
              origin: 'https://evil.example',
              referer: 'https://evil.example/page',
              'sec-fetch-site': 'cross-site',
              cookie: `session=${admin}; parley_session=${admin}; token=${admin}`,
            },
            body,
          });
          expect([401, 415], `${method} ${path} as ${contentType}`).toContain(res.status);
          const answer = (await res.json()) as { error: { code: string } };
          expect(answer.error.code).toMatch(/UNAUTHORIZED|UNSUPPORTED_MEDIA_TYPE/);
        }
      }
      const after = await snapshot();
      expect(after).toEqual(before);
      expect(after.settings.controllerName).toBe('Acme Bank AG');
    });

    it('refuses a cross-site post to the Zendesk sidebar that has no valid signed token', async () => {
      const before = await snapshot();
      for (const token of [undefined, 'not-a-jwt', `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"iss":"acme.zendesk.com"}').toString('base64url')}.`]) {
        const res = await t.app.request('/zendesk/sidebar', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example', cookie: `session=${admin}` },
          body: token === undefined ? '' : new URLSearchParams({ token }).toString(),
        });
        expect(res.status).toBe(401);
        expect(await res.text()).not.toContain('parley-session');
      }
      expect(await snapshot()).toEqual(before);
    });
  });
});
