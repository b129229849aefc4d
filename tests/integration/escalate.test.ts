import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { count, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../backend/src/db/client.js';
import { auditEvents, calls, cases, customers, joinTokens } from '../../backend/src/db/schema/index.js';
import type { LocalJanus } from '../../media/janus/local-node.js';
import { databaseKinds, freshDatabase } from '../support/databases.js';
import { buildTestApp, escalation, startTestJanus, tokenOf } from '../support/test-app.js';

describe.each(databaseKinds)('escalate to video on %s', (kind) => {
  let database: Database;
  let janus: LocalJanus;
  let baseDir: string;
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  let agent: string;

  beforeAll(async () => {
    baseDir = mkdtempSync(join(tmpdir(), 'parley-escalate-'));
    [database, janus] = await Promise.all([freshDatabase(kind), startTestJanus(baseDir)]);
    t = await buildTestApp(database, janus);
    agent = await t.signIn();
  });
  afterAll(async () => {
    await t?.close();
    await janus?.stop();
    await database?.close();
    rmSync(baseDir, { recursive: true, force: true });
  });

  const callCount = async () => (await database.db.select({ n: count() }).from(calls))[0]!.n;
  const customerCount = async () => (await database.db.select({ n: count() }).from(customers))[0]!.n;

  it('creates a call with a Janus room and two join links', async () => {
    const support = await t.meetingType(agent, 'support');
    const res = await t.call('POST', '/api/calls', { token: agent, body: escalation(support) });

    expect(res.status).toBe(201);
    expect(res.body.call).toMatchObject({ state: 'created', meetingType: { key: 'support', recordingPolicy: 'forbidden' }, recording: { active: false } });
    expect(res.body.links.customer).toMatch(/^http:\/\/parley\.test\/c\/[\w-]{43}$/);
    expect(res.body.links.agent).toMatch(/^http:\/\/parley\.test\/j\/[\w-]{43}$/);
    expect(res.body.links.agent).not.toBe(res.body.links.customer);

    const [row] = await database.db.select().from(calls).where(eq(calls.id, res.body.call.id));
    expect(await t.gateway.listParticipants({ nodeId: row!.mediaNodeId, roomId: row!.mediaRoomId, secret: row!.mediaRoomSecret })).toEqual([]);
    // The response carries no personal data and no media secrets. The links' random tokens are
    // left out of the word search (43 random characters now and then spell "pin" or "sec").
    const answered = JSON.stringify(res.body);
    expect(answered.replace(/\/[cj]\/[\w-]{43}/g, '/<token>')).not.toMatch(/Alex|alex@example\.com|mediaRoom|secret|pin/i);
    expect(answered).not.toContain(row!.mediaRoomSecret);

    // The answer is built from what was written, not read back: it must be what a read shows.
    const fetched = await t.call('GET', `/api/calls/${res.body.call.id}`, { token: agent });
    expect(fetched.body.call).toEqual(res.body.call);
    expect(res.body.call.participants.map((p: { role: string; admission: string }) => [p.role, p.admission])).toEqual([
      ['agent', 'invited'],
      ['customer', 'invited'],
    ]);
  });

  it('stores only hashes of join links', async () => {
    const support = await t.meetingType(agent, 'support');
    const res = await t.call('POST', '/api/calls', { token: agent, body: escalation(support, 'hash-check') });
    const stored = await database.db.select({ hash: joinTokens.tokenHash }).from(joinTokens).where(eq(joinTokens.callId, res.body.call.id));
    expect(stored).toHaveLength(1);
    for (const { hash } of stored) expect([tokenOf(res.body.links.customer), tokenOf(res.body.links.agent)]).not.toContain(hash);
  });

  it('reuses the customer and case for a second escalation of the same ticket', async () => {
    const support = await t.meetingType(agent, 'support');
    const before = await customerCount();
    const first = await t.call('POST', '/api/calls', { token: agent, body: escalation(support, 'same-ticket', 'same-customer') });
    const second = await t.call('POST', '/api/calls', { token: agent, body: escalation(support, 'same-ticket', 'same-customer') });
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(await customerCount()).toBe(before + 1);
  });

  it('escalations racing for a new customer and ticket share one customer and one case', async () => {
    const support = await t.meetingType(agent, 'support');
    const before = await customerCount();
    const body = escalation(support, 'race-ticket', 'race-customer');
    const results = await Promise.all(Array.from({ length: 4 }, () => t.call('POST', '/api/calls', { token: agent, body })));
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    expect(await customerCount()).toBe(before + 1);
    const rows = await database.db.select({ caseId: calls.caseId, customerId: calls.customerId }).from(calls).where(inArray(calls.id, results.map((r) => r.body.call.id)));
    expect(new Set(rows.map((r) => r.caseId)).size).toBe(1);
    expect(new Set(rows.map((r) => r.customerId)).size).toBe(1);
  });

  it('escalates anyway when retention deletes the customer and case it just read, with new ones', async () => {
    const support = await t.meetingType(agent, 'support');
    // A customer and ticket whose last call's data ran out: the next retention run deletes both.
    const first = await t.call('POST', '/api/calls', { token: agent, body: escalation(support, 'expiring-ticket', 'expiring-customer') });
    const [old] = await database.db.select({ caseId: calls.caseId, customerId: calls.customerId }).from(calls).where(eq(calls.id, first.body.call.id));
    await database.db.delete(calls).where(eq(calls.id, first.body.call.id));
    // It runs while this escalation waits for Janus: after the escalation read them, before it writes.
    const createRoom = t.gateway.createRoom.bind(t.gateway);
    t.gateway.createRoom = async (options) => {
      t.gateway.createRoom = createRoom;
      await database.db.delete(cases).where(eq(cases.id, old!.caseId));
      await database.db.delete(customers).where(eq(customers.id, old!.customerId));
      return createRoom(options);
    };
    const res = await t.call('POST', '/api/calls', { token: agent, body: escalation(support, 'expiring-ticket', 'expiring-customer') });
    expect(t.gateway.createRoom).toBe(createRoom);
    expect(res.status).toBe(201);
    const [now] = await database.db.select({ caseId: calls.caseId, customerId: calls.customerId }).from(calls).where(eq(calls.id, res.body.call.id));
    expect(now!.customerId).not.toBe(old!.customerId);
    expect(now!.caseId).not.toBe(old!.caseId);
    const [customer] = await database.db.select().from(customers).where(eq(customers.id, now!.customerId));
    expect(customer).toMatchObject({ displayName: 'Alex Customer' });
    const [kase] = await database.db.select().from(cases).where(eq(cases.id, now!.caseId));
    expect(kase).toMatchObject({ host: 'zendesk', customerId: now!.customerId });
    // One call, one room: the failed write left nothing behind.
    expect(await database.db.select().from(calls).where(eq(calls.caseId, now!.caseId))).toHaveLength(1);
  });

  it('keeps what the host left out of the customer’s profile', async () => {
    const support = await t.meetingType(agent, 'support');
    const first = await t.call('POST', '/api/calls', { token: agent, body: escalation(support, 'profile-1', 'profile-customer') });
    const later = escalation(support, 'profile-2', 'profile-customer');
    const second = await t.call('POST', '/api/calls', { token: agent, body: { ...later, customer: { externalId: 'profile-customer', locale: 'de' } } });
    expect([first.status, second.status]).toEqual([201, 201]);
    const [call] = await database.db.select({ customerId: calls.customerId }).from(calls).where(eq(calls.id, second.body.call.id));
    const [customer] = await database.db.select().from(customers).where(eq(customers.id, call!.customerId));
    expect(customer).toMatchObject({ displayName: 'Alex Customer', email: 'alex@example.com', locale: 'de' });
  });

  it('rejects malformed JSON without creating anything', async () => {
    const before = await callCount();
    const res = await t.call('POST', '/api/calls', { token: agent, rawBody: '{"meetingTypeId": ' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('MALFORMED_JSON');
    expect(res.body.error.requestId).toBeTruthy();
    expect(await callCount()).toBe(before);
  });

  it('names the invalid field', async () => {
    const res = await t.call('POST', '/api/calls', { token: agent, body: { meetingTypeId: 'not-a-uuid', case: { host: 'zendesk' } } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.message).toMatch(/meetingTypeId/);
  });

  it('refuses a Zendesk ticket id that is not a number', async () => {
    const support = await t.meetingType(agent, 'support');
    const body = escalation(support);
    const res = await t.call('POST', '/api/calls', { token: agent, body: { ...body, case: { ...body.case, externalId: '12; DROP' } } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/case\.externalId: a Zendesk ticket id is a number/);
  });

  it('refuses a channel that does not belong to the host', async () => {
    const support = await t.meetingType(agent, 'support');
    const body = escalation(support);
    // A Teams chat id left to the Zendesk-ticket default would queue the invitation as a ticket comment.
    const teamsByDefault = await t.call('POST', '/api/calls', { token: agent, body: { ...body, case: { host: 'teams', externalId: '19:abc@thread.v2' } } });
    expect(teamsByDefault.status).toBe(400);
    expect(teamsByDefault.body.error.message).toMatch(/case\.channel: this channel does not belong to the host/);
    const zendeskAsTeams = await t.call('POST', '/api/calls', { token: agent, body: { ...body, case: { ...body.case, channel: 'teams_chat', conversationId: '19:abc' } } });
    expect(zendeskAsTeams.status).toBe(400);
  });

  it('refuses a value the database cannot store, such as a NUL character, without creating anything', async () => {
    const before = await callCount();
    const roomsBefore = (await t.gateway.health())[0]!.rooms;
    const body = escalation(await t.meetingType(agent, 'support'));
    const res = await t.call('POST', '/api/calls', { token: agent, body: { ...body, customer: { ...body.customer, externalId: 'nul-1', displayName: 'Alex\u0000Customer' } } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'INVALID_VALUE', message: expect.stringMatching(/NUL character/) });
    expect(await callCount()).toBe(before);
    expect((await t.gateway.health())[0]!.rooms).toBe(roomsBefore);
  });

  it('refuses an unknown meeting type and leaves no room behind', async () => {
    const before = await callCount();
    const roomsBefore = (await t.gateway.health())[0]!.rooms;
    const res = await t.call('POST', '/api/calls', { token: agent, body: escalation(crypto.randomUUID()) });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('MEETING_TYPE_NOT_FOUND');
    expect(await callCount()).toBe(before);
    expect((await t.gateway.health())[0]!.rooms).toBe(roomsBefore);
  });

  it('refuses another tenant’s meeting type as unknown', async () => {
    const other = await t.signIn('other-account', '77');
    const theirs = await t.meetingType(other, 'support');
    const res = await t.call('POST', '/api/calls', { token: agent, body: escalation(theirs) });
    expect(res.status).toBe(404);
  });

  it('requires a valid session', async () => {
    const missing = await t.call('POST', '/api/calls', { body: {} });
    const forged = await t.call('GET', '/api/meeting-types', { token: agent.slice(0, -4) + 'AAAA' });
    expect([missing.status, forged.status]).toEqual([401, 401]);
    expect(forged.body.error.code).toBe('UNAUTHORIZED');
  });

  it('ends a call: the room is destroyed and the call is ended for both sides', async () => {
    const support = await t.meetingType(agent, 'support');
    const created = await t.call('POST', '/api/calls', { token: agent, body: escalation(support, 'to-end') });
    const [row] = await database.db.select().from(calls).where(eq(calls.id, created.body.call.id));
    const room = { nodeId: row!.mediaNodeId, roomId: row!.mediaRoomId, secret: row!.mediaRoomSecret };

    const ended = await t.call('POST', `/api/calls/${row!.id}/end`, { token: agent });
    expect(ended.status).toBe(200);
    expect(ended.body.call.state).toBe('ended');
    await expect(t.gateway.listParticipants(room)).rejects.toThrow(/426|no such room/i);

    const again = await t.call('POST', `/api/calls/${row!.id}/end`, { token: agent });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('CALL_STATE_CONFLICT');
    const customerConsent = await t.call('GET', `/api/consent/${tokenOf(created.body.links.customer)}`);
    expect(customerConsent.status).toBe(409);
    expect(customerConsent.body.error.code).toBe('CALL_ENDED');

    const trail = await database.db.select({ action: auditEvents.action }).from(auditEvents).where(eq(auditEvents.subjectId, row!.id));
    expect(trail.map((e) => e.action)).toEqual(['call.escalated', 'call.ended']);
  });

  it('serves the OpenAPI document with every call route', async () => {
    const res = await t.call('GET', '/api/openapi.json');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/api/calls', '/api/calls/{id}', '/api/calls/{id}/end', '/api/join/{token}', '/healthz', '/readyz']),
    );
  });

  it('reports readiness of the database and Janus', async () => {
    const res = await t.call('GET', '/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ready: true, checks: { database: { ok: true }, janus: { ok: true } } });
  });
});
