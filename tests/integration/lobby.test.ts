import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../backend/src/db/client.js';
import { auditEvents, participants } from '../../backend/src/db/schema/index.js';
import type { LocalJanus } from '../../media/janus/local-node.js';
import { freshDatabase } from '../support/databases.js';
import { gatewayAccepts } from '../support/scripted-janus-browser.js';
import { buildTestApp, escalation, startTestJanus, tokenOf } from '../support/test-app.js';

describe('the lobby: the customer waits until the agent lets them in', () => {
  let database: Database;
  let janus: LocalJanus;
  let baseDir: string;
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  let agent: string;
  let support: string;

  beforeAll(async () => {
    baseDir = mkdtempSync(join(tmpdir(), 'parley-lobby-'));
    [database, janus] = await Promise.all([freshDatabase('pglite'), startTestJanus(baseDir)]);
    t = await buildTestApp(database, janus);
    const admin = await t.signIn('acme', 'lobby-admin', 'admin');
    agent = await t.signIn();
    support = await t.meetingType(agent, 'support');
    const changed = await t.call('PUT', `/api/admin/meeting-types/${support}`, { token: admin, body: { lobby: true } });
    expect(changed.status).toBe(200);
    expect(changed.body.meetingType.lobby).toBe(true);
  });
  afterAll(async () => {
    await t?.close();
    await janus?.stop();
    await database?.close();
    rmSync(baseDir, { recursive: true, force: true });
  });

  /** An escalated call with both links redeemed: the agent's session and the waiting customer's. */
  async function callWithCustomerWaiting(ticket: string) {
    const { call, links } = await (await t.call('POST', '/api/calls', { token: agent, body: escalation(support, ticket) })).body;
    const agentJoin = await t.call('POST', `/api/join/${tokenOf(links.agent)}`);
    expect(agentJoin.body).toMatchObject({ role: 'agent', admission: 'admitted', media: { display: 'agent' } });
    const customerJoin = await t.call('POST', `/api/join/${await t.customerJoinToken(links.customer)}`);
    expect(customerJoin.status).toBe(200);
    const view = await t.call('GET', `/api/calls/${call.id}`, { token: agentJoin.body.session });
    const customer = (view.body.call.participants as { id: string; role: string }[]).find((p) => p.role === 'customer')!;
    return { callId: call.id as string, agent: agentJoin.body.session as string, customer: customerJoin.body, customerId: customer.id };
  }

  it('gives a waiting customer no media credentials until the agent admits them', async () => {
    const { callId, agent: agentSession, customer, customerId } = await callWithCustomerWaiting('lobby-1');
    expect(customer).toMatchObject({ role: 'customer', admission: 'waiting', media: null });
    const [row] = await database.db.select().from(participants).where(eq(participants.id, customerId));
    expect(row!.mediaToken).toBeNull();

    const waiting = await t.call('GET', `/api/calls/${callId}/admission`, { token: customer.session });
    expect(waiting.body).toEqual({ admission: 'waiting', media: null });
    const agentView = await t.call('GET', `/api/calls/${callId}`, { token: agentSession });
    expect(agentView.body.call.participants).toContainEqual(expect.objectContaining({ role: 'customer', admission: 'waiting' }));

    // The customer cannot let themselves in.
    const selfAdmit = await t.call('POST', `/api/calls/${callId}/participants/${customerId}/admit`, { token: customer.session });
    expect(selfAdmit.status).toBe(403);

    const admitted = await t.call('POST', `/api/calls/${callId}/participants/${customerId}/admit`, { token: agentSession });
    expect(admitted.status).toBe(200);
    expect(admitted.body.call.participants).toContainEqual(expect.objectContaining({ role: 'customer', admission: 'admitted' }));
    const grant = await t.call('GET', `/api/calls/${callId}/admission`, { token: customer.session });
    expect(grant.body).toMatchObject({ admission: 'admitted', media: { display: 'customer', janusUrl: janus.node.browserUrl } });
    expect(await gatewayAccepts(janus.node.browserUrl, grant.body.media.janusToken)).toBe(true);

    // Admitting twice changes nothing: the same credentials.
    await t.call('POST', `/api/calls/${callId}/participants/${customerId}/admit`, { token: agentSession });
    const again = await t.call('GET', `/api/calls/${callId}/admission`, { token: customer.session });
    expect(again.body.media.janusToken).toBe(grant.body.media.janusToken);
  });

  it('turns a customer away from the lobby for good', async () => {
    const { callId, agent: agentSession, customer, customerId } = await callWithCustomerWaiting('lobby-2');
    const turnedAway = await t.call('POST', `/api/calls/${callId}/participants/${customerId}/remove`, { token: agentSession });
    expect(turnedAway.status).toBe(200);
    expect(turnedAway.body.call.participants).toContainEqual(expect.objectContaining({ role: 'customer', admission: 'removed' }));

    for (const path of [`/api/calls/${callId}/admission`, `/api/calls/${callId}`]) {
      const res = await t.call('GET', path, { token: customer.session });
      expect(res.status).toBe(410);
      expect(res.body.error.code).toBe('PARTICIPANT_REMOVED');
    }
    const presence = await t.call('POST', `/api/calls/${callId}/presence`, { token: customer.session, body: { event: 'joined' } });
    expect(presence.status).toBe(410);
    const lateAdmit = await t.call('POST', `/api/calls/${callId}/participants/${customerId}/admit`, { token: agentSession });
    expect(lateAdmit.status).toBe(409);
    expect(lateAdmit.body.error.code).toBe('PARTICIPANT_REMOVED');

    const audited = await database.db
      .select({ action: auditEvents.action, details: auditEvents.details })
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectId, callId), eq(auditEvents.action, 'call.participant_removed')));
    expect(audited).toEqual([{ action: 'call.participant_removed', details: expect.objectContaining({ role: 'customer', from: 'lobby' }) }]);
  });

  it('revokes an admitted customer\u2019s media token when the agent removes them', async () => {
    const { callId, agent: agentSession, customer, customerId } = await callWithCustomerWaiting('lobby-3');
    await t.call('POST', `/api/calls/${callId}/participants/${customerId}/admit`, { token: agentSession });
    const grant = await t.call('GET', `/api/calls/${callId}/admission`, { token: customer.session });
    expect(await gatewayAccepts(janus.node.browserUrl, grant.body.media.janusToken)).toBe(true);

    const removed = await t.call('POST', `/api/calls/${callId}/participants/${customerId}/remove`, { token: agentSession });
    expect(removed.status).toBe(200);
    expect(await gatewayAccepts(janus.node.browserUrl, grant.body.media.janusToken)).toBe(false);
    // Asking again is harmless, and the agent stays in their own call.
    expect((await t.call('POST', `/api/calls/${callId}/participants/${customerId}/remove`, { token: agentSession })).status).toBe(200);
    expect((await t.call('GET', `/api/calls/${callId}`, { token: agentSession })).status).toBe(200);
  });

  it('does not let the agent remove themselves, nor act on another call\u2019s participant', async () => {
    const first = await callWithCustomerWaiting('lobby-4');
    const second = await callWithCustomerWaiting('lobby-5');
    const view = await t.call('GET', `/api/calls/${first.callId}`, { token: first.agent });
    const agentSeat = (view.body.call.participants as { id: string; role: string }[]).find((p) => p.role === 'agent')!;
    const self = await t.call('POST', `/api/calls/${first.callId}/participants/${agentSeat.id}/remove`, { token: first.agent });
    expect(self.status).toBe(403);
    const foreign = await t.call('POST', `/api/calls/${first.callId}/participants/${second.customerId}/admit`, { token: first.agent });
    expect(foreign.status).toBe(404);
    const otherCall = await t.call('POST', `/api/calls/${second.callId}/participants/${second.customerId}/admit`, { token: first.agent });
    expect(otherCall.status).toBe(403);
  });

  it('leaves no media token at the gateway when letting someone in is refused', async () => {
    const first = await callWithCustomerWaiting('lobby-6');
    const second = await callWithCustomerWaiting('lobby-7');
    // Watch what the gateway is told: every token added must be taken away again.
    const added: string[] = [];
    const removed: string[] = [];
    const { addParticipantToken, removeParticipantToken } = t.gateway;
    t.gateway.addParticipantToken = async (node, token) => {
      added.push(token);
      return addParticipantToken.call(t.gateway, node, token);
    };
    t.gateway.removeParticipantToken = async (node, token) => {
      removed.push(token);
      return removeParticipantToken.call(t.gateway, node, token);
    };
    try {
      const foreign = await t.call('POST', `/api/calls/${first.callId}/participants/${second.customerId}/admit`, { token: first.agent });
      expect(foreign.status).toBe(404);
      const unknown = await t.call('POST', `/api/calls/${first.callId}/participants/00000000-0000-4000-8000-000000000000/admit`, { token: first.agent });
      expect(unknown.status).toBe(404);
    } finally {
      t.gateway.addParticipantToken = addParticipantToken;
      t.gateway.removeParticipantToken = removeParticipantToken;
    }
    expect(added).toHaveLength(2);
    expect(removed).toEqual(added);
    for (const token of added) expect(await gatewayAccepts(janus.node.browserUrl, token)).toBe(false);
  });
});
