import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../backend/src/db/client.js';
import { calls, customers, joinTokens } from '../../backend/src/db/schema/index.js';
import type { LocalJanus } from '../../media/janus/local-node.js';
import { freshDatabase } from '../support/databases.js';
import { buildTestApp, escalation, startTestJanus, tokenOf } from '../support/test-app.js';

describe('join links and call sessions', () => {
  let database: Database;
  let janus: LocalJanus;
  let baseDir: string;
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  let agent: string;
  let support: string;

  beforeAll(async () => {
    baseDir = mkdtempSync(join(tmpdir(), 'parley-join-'));
    [database, janus] = await Promise.all([freshDatabase('pglite'), startTestJanus(baseDir)]);
    t = await buildTestApp(database, janus);
    agent = await t.signIn();
    support = await t.meetingType(agent, 'support');
  });
  afterAll(async () => {
    await t?.close();
    await janus?.stop();
    await database?.close();
    rmSync(baseDir, { recursive: true, force: true });
  });

  const escalate = async (ticket: string) => (await t.call('POST', '/api/calls', { token: agent, body: escalation(support, ticket) })).body;

  it('redeems a link once for a call session and Janus credentials naming no person', async () => {
    const { call, links } = await escalate('j-1');
    const joinToken = await t.customerJoinToken(links.customer);
    const res = await t.call('POST', `/api/join/${joinToken}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      role: 'customer',
      call: { id: call.id, meetingTypeName: 'Support call', recordingPolicy: 'forbidden' },
      media: { janusUrl: janus.node.browserUrl, display: 'customer' },
    });
    expect(res.body.media.janusToken).toMatch(/^[\w-]{32}$/);
    // No STUN/TURN configured: the browser is told to ask no third party (janus.js would ask Google).
    expect(res.body.media.iceServers).toEqual([]);

    const seen = await t.call('GET', `/api/calls/${call.id}`, { token: res.body.session });
    expect(seen.status).toBe(200);

    const reused = await t.call('POST', `/api/join/${joinToken}`);
    expect(reused.status).toBe(409);
    expect(reused.body.error.code).toBe('TOKEN_USED');
  });

  it('refuses an expired link', async () => {
    const { call, links } = await escalate('j-expired');
    const joinToken = await t.customerJoinToken(links.customer);
    // Time passes: the link's validity ends.
    await database.db.update(joinTokens).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(joinTokens.callId, call.id));
    const res = await t.call('POST', `/api/join/${joinToken}`);
    expect(res.status).toBe(410);
    expect(res.body.error.code).toBe('TOKEN_EXPIRED');
  });

  it('refuses a link that was never issued, and a malformed one', async () => {
    const unknown = await t.call('POST', `/api/join/${'A'.repeat(43)}`);
    const malformed = await t.call('POST', '/api/join/%20;drop');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('TOKEN_NOT_FOUND');
    expect(malformed.status).toBe(400);
  });

  it('keeps a call session to its own call', async () => {
    const first = await escalate('j-own-1');
    const second = await escalate('j-own-2');
    const { body } = await t.call('POST', `/api/join/${await t.customerJoinToken(first.links.customer)}`);

    const foreign = await t.call('GET', `/api/calls/${second.call.id}`, { token: body.session });
    expect(foreign.status).toBe(403);
    const end = await t.call('POST', `/api/calls/${first.call.id}/end`, { token: body.session });
    expect(end.status).toBe(403);
    const escalateAsCustomer = await t.call('POST', '/api/calls', { token: body.session, body: escalation(support) });
    expect(escalateAsCustomer.status).toBe(403);
  });

  it('hides one tenant’s calls from another tenant’s agents', async () => {
    const { call } = await escalate('j-tenant');
    const outsider = await t.signIn('another-company', '1');
    const res = await t.call('GET', `/api/calls/${call.id}`, { token: outsider });
    expect(res.status).toBe(404);
  });

  it('does not activate a call until both are in the room', async () => {
    const { call, links } = await escalate('j-presence');
    const { body } = await t.call('POST', `/api/join/${tokenOf(links.agent)}`);
    const res = await t.call('POST', `/api/calls/${call.id}/presence`, { token: body.session, body: { event: 'joined' } });
    expect(res.status).toBe(200);
    expect(res.body.call.state).toBe('created');
    expect(res.body.call.participants.find((p: { role: string }) => p.role === 'agent').joinedAt).toBeTruthy();
  });
});

describe('when Janus is down', () => {
  let database: Database;
  let baseDir: string;
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  let agent: string;
  let janus: LocalJanus;

  beforeAll(async () => {
    baseDir = mkdtempSync(join(tmpdir(), 'parley-down-'));
    [database, janus] = await Promise.all([freshDatabase('pglite'), startTestJanus(baseDir)]);
    t = await buildTestApp(database, janus);
    agent = await t.signIn();
  });
  afterAll(async () => {
    await t?.close();
    await database?.close();
    rmSync(baseDir, { recursive: true, force: true });
  });

  it('answers 503 JANUS_UNAVAILABLE and leaves no half-created call', async () => {
    const support = await t.meetingType(agent, 'support');
    const ok = await t.call('POST', '/api/calls', { token: agent, body: escalation(support, 'before') });
    expect(ok.status).toBe(201);
    const [callsBefore, customersBefore] = [
      (await database.db.select({ n: count() }).from(calls))[0]!.n,
      (await database.db.select({ n: count() }).from(customers))[0]!.n,
    ];

    await janus.stop();
    const res = await t.call('POST', '/api/calls', { token: agent, body: escalation(support, 'after', 'new-customer') });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('JANUS_UNAVAILABLE');
    expect((await database.db.select({ n: count() }).from(calls))[0]!.n).toBe(callsBefore);
    expect((await database.db.select({ n: count() }).from(customers))[0]!.n).toBe(customersBefore);

    // The agent's link is not spent by a failed attempt: it works once Janus is back.
    const join = await t.call('POST', `/api/join/${tokenOf(ok.body.links.agent)}`);
    expect(join.status).toBe(503);
    const [unspent] = await database.db.select({ usedAt: joinTokens.usedAt }).from(joinTokens).where(eq(joinTokens.callId, ok.body.call.id));
    expect(unspent!.usedAt).toBeNull();

    const ready = await t.call('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.checks.janus.ok).toBe(false);
  });
});
