import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calls, consentRecords } from '../../backend/src/db/schema/index.js';
import { escalation, startTestStack, tokenOf } from '../support/test-app.js';

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
    const { t } = stack;
    ticket += 1;
    const res = await t.call('POST', '/api/calls', { token: agent, body: escalation(await t.meetingType(agent, type), `toggle-${ticket}`, `toggle-cust-${ticket}`) });
    expect(res.status).toBe(201);
    const customer = (await t.call('POST', `/api/join/${await t.customerJoinToken(res.body.links.customer, type === 'consultation' ? true : undefined)}`)).body.session as string;
    const agentSession = (await t.call('POST', `/api/join/${tokenOf(res.body.links.agent)}`)).body.session as string;
    // Both publishing in the room starts it (the e2e suite drives that with browsers); here it is set as that leaves it.
    await stack.database.db.update(calls).set({ state: 'active', startedAt: new Date(), recordingActive: true }).where(eq(calls.id, res.body.call.id));
    return { callId: res.body.call.id as string, customer, agent: agentSession };
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
