import { and, eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../backend/src/db/client.js';
import type { MediaGateway } from '../../backend/src/ports/media-gateway.js';
import { auditEvents, calls, outboxMessages } from '../../backend/src/db/schema/index.js';
import { expireUnjoinedCalls } from '../../backend/src/services/calls/expire-unjoined.js';
import { retryMediaRelease } from '../../backend/src/services/calls/teardown-media.js';
import { escalation, startTestStack, tokenOf, type TestApp } from '../support/test-app.js';

describe('calls nobody joined', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  let database: Database;
  let t: TestApp;
  let agent: string;

  beforeAll(async () => {
    stack = await startTestStack('expiry');
    ({ database, t } = stack);
    agent = await t.signIn();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('end once they are older than the cutoff, and their rooms are destroyed', async () => {
    const support = await t.meetingType(agent, 'support');
    const old = (await t.call('POST', '/api/calls', { token: agent, body: escalation(support, 'expiry-old') })).body;
    await new Promise((resolve) => setTimeout(resolve, 20));
    const cutoff = new Date();
    const fresh = (await t.call('POST', '/api/calls', { token: agent, body: escalation(support, 'expiry-new') })).body;
    const rowOf = async (id: string) => (await database.db.select().from(calls).where(eq(calls.id, id)))[0]!;
    const oldRow = await rowOf(old.call.id);
    const room = { nodeId: oldRow.mediaNodeId, roomId: oldRow.mediaRoomId, secret: oldRow.mediaRoomSecret };
    expect(await t.gateway.listParticipants(room)).toEqual([]);

    const deps = { db: database.db, media: t.gateway, logger: pino({ level: 'silent' }) };
    expect(await expireUnjoinedCalls(deps, cutoff)).toEqual([old.call.id]);

    expect(await rowOf(old.call.id)).toMatchObject({ state: 'ended', endReason: 'expired_unjoined' });
    expect((await rowOf(fresh.call.id)).state).toBe('created');
    await expect(t.gateway.listParticipants(room)).rejects.toThrow(/426|no such room/i);
    const join = await t.call('POST', `/api/join/${tokenOf(old.links.agent)}`);
    expect(join.status).toBe(409);
    expect(join.body.error.code).toBe('CALL_ENDED');
    const view = await t.call('GET', `/api/calls/${old.call.id}`, { token: agent });
    expect(view.body.call).toMatchObject({ state: 'ended', endReason: 'expired_unjoined' });

    const [audit] = await database.db.select().from(auditEvents).where(and(eq(auditEvents.subjectId, old.call.id), eq(auditEvents.action, 'call.expired')));
    expect(audit).toBeDefined();
    const [note] = await database.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, `call:${old.call.id}:expired`));
    expect(note?.payload).toMatchObject({ public: false, body: expect.stringContaining('expired before it started') });

    // Running again finds nothing more to do.
    expect(await expireUnjoinedCalls(deps, cutoff)).toEqual([]);
    expect((await rowOf(old.call.id)).mediaReleasedAt).toBeInstanceOf(Date);
  });

  it('a room the media server could not destroy when the call expired is destroyed on a later run', async () => {
    const support = await t.meetingType(agent, 'support');
    const stuck = (await t.call('POST', '/api/calls', { token: agent, body: escalation(support, 'expiry-stuck') })).body;
    const [row] = await database.db.select().from(calls).where(eq(calls.id, stuck.call.id));
    const room = { nodeId: row!.mediaNodeId, roomId: row!.mediaRoomId, secret: row!.mediaRoomSecret };
    const logger = pino({ level: 'silent' });
    // The node does not answer while the call expires: the call ends, the room stays for now.
    const away: MediaGateway = new Proxy(t.gateway, {
      get: (gateway, name) => (name === 'destroyRoom' ? () => Promise.reject(new Error('node away')) : Reflect.get(gateway, name, gateway).bind(gateway)),
    });
    expect(await expireUnjoinedCalls({ db: database.db, media: away, logger }, new Date())).toContain(stuck.call.id);
    const [ended] = await database.db.select().from(calls).where(eq(calls.id, stuck.call.id));
    expect(ended).toMatchObject({ state: 'ended', mediaReleasedAt: null });
    expect(await t.gateway.listParticipants(room)).toEqual([]);

    // The first test's fresh call expired in the same run, with the same trouble: both are released.
    expect(await retryMediaRelease({ db: database.db, media: t.gateway, logger })).toBe(2);
    await expect(t.gateway.listParticipants(room)).rejects.toThrow(/426|no such room/i);
    const [released] = await database.db.select().from(calls).where(eq(calls.id, stuck.call.id));
    expect(released!.mediaReleasedAt).toBeInstanceOf(Date);
    expect(await retryMediaRelease({ db: database.db, media: t.gateway, logger })).toBe(0);
  });
});
