import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calls, consentRecords, outboxMessages, tenants } from '../../backend/src/db/schema/index.js';
import { startTestStack } from '../support/test-app.js';

describe('switching recording during a running call', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  let agent: string;
  let ticket = 0;

  beforeAll(async () => {
    stack = await startTestStack('recording-toggle');
    agent = await stack.t.signIn();
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  /** A call of this type that both have joined: running and recorded. */
  async function runningCall(type: 'advice' | 'consultation') {
    ticket += 1;
    const joined = await stack.t.joinedCall(agent, type, `toggle-${ticket}`);
    // Both publishing in the room starts it (the e2e suite drives that with browsers); here it is set as that leaves it.
    await stack.database.db.update(calls).set({ state: 'active', startedAt: new Date(), recordingActive: true }).where(eq(calls.id, joined.callId));
    return joined;
  }

  const withdrawals = async (callId: string) =>
    stack.database.db.select().from(consentRecords).where(and(eq(consentRecords.callId, callId), eq(consentRecords.event, 'withdrawal')));

  it('refuses the customer stopping a recording the law requires, and records no withdrawal of a consent never asked for', async () => {
    const { callId, customer } = await runningCall('advice');
    const res = await stack.t.call('POST', `/api/calls/${callId}/recording`, { token: customer, body: { on: false } });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('RECORDING_NOT_OPTIONAL');
    const [row] = await stack.database.db.select().from(calls).where(eq(calls.id, callId));
    expect(row!.recordingActive).toBe(true);
    expect(await withdrawals(callId)).toEqual([]);
  });

  it('lets the customer stop a recording made on their consent, as a withdrawal', async () => {
    const { callId, customer } = await runningCall('consultation');
    const res = await stack.t.call('POST', `/api/calls/${callId}/recording`, { token: customer, body: { on: false } });
    expect(res.status).toBe(200);
    expect(res.body.call.recording.active).toBe(false);
    expect(await withdrawals(callId)).toHaveLength(1);
  });
});

describe('a call that must be recorded, when the recording cannot start', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  let agent: string;

  beforeAll(async () => {
    stack = await startTestStack('recording-unavailable');
    agent = await stack.t.signIn();
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('is stopped as it begins, its room closed, and both sides and the ticket are told why', async () => {
    const { t, database } = stack;
    const { callId, customer, agent: agentSession } = await t.joinedCall(agent, 'advice', 'unrecordable');
    const [before] = await database.db.select().from(calls).where(eq(calls.id, callId));
    // An admin switched recording off for the account after the call was offered.
    await database.db.update(tenants).set({ recordingEnabledAt: null }).where(eq(tenants.id, before!.tenantId));
    // Both publish in the room (the e2e suite does this with browsers; the gateway says so here).
    const listParticipants = t.gateway.listParticipants.bind(t.gateway);
    t.gateway.listParticipants = async () => [{ id: 1, publisher: true }, { id: 2, publisher: true }];
    try {
      expect((await t.call('POST', `/api/calls/${callId}/presence`, { token: customer, body: { event: 'joined' } })).status).toBe(200);
      const started = await t.call('POST', `/api/calls/${callId}/presence`, { token: agentSession, body: { event: 'joined' } });
      expect(started.status).toBe(200);
      expect(started.body.call).toMatchObject({ state: 'failed', endReason: 'recording_unavailable' });
    } finally {
      t.gateway.listParticipants = listParticipants;
    }
    await expect(t.gateway.listParticipants({ nodeId: before!.mediaNodeId, roomId: before!.mediaRoomId, secret: before!.mediaRoomSecret })).rejects.toThrow();
    expect((await t.call('GET', `/api/calls/${callId}`, { token: customer })).body.call).toMatchObject({ state: 'failed', endReason: 'recording_unavailable' });
    const [note] = await database.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, `call:${callId}:recording-unavailable`));
    expect(note).toBeDefined();
  });
});
