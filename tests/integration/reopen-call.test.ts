import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, calls } from '../../backend/src/db/schema/index.js';
import { roomOf } from '../../backend/src/services/calls/load-call.js';
import { gatewayAccepts, pluginData, ScriptedBrowser } from '../support/scripted-janus-browser.js';
import { escalation, startTestStack, ticketNumber, tokenOf } from '../support/test-app.js';

describe('the agent gets back to a running call after the sidebar or the call window was closed', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  let agent: string;
  let colleague: string;
  let support: string;
  let ticket = 0;

  beforeAll(async () => {
    stack = await startTestStack('reopen-call');
    agent = await stack.t.signIn('acme', 'reopen-agent');
    colleague = await stack.t.signIn('acme', 'reopen-colleague');
    support = await stack.t.meetingType(agent, 'support');
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** A call both have joined through their first links. */
  async function joinedCall() {
    const { t } = stack;
    ticket += 1;
    const name = `reopen-${ticket}`;
    const created = await t.call('POST', '/api/calls', { token: agent, body: escalation(support, name, `reopen-customer-${ticket}`) });
    expect(created.status).toBe(201);
    const customer = await t.call('POST', `/api/join/${await t.customerJoinToken(created.body.links.customer)}`);
    const agentJoin = await t.call('POST', `/api/join/${tokenOf(created.body.links.agent)}`);
    return { callId: created.body.call.id as string, ticket: ticketNumber(name), customer: customer.body, agent: agentJoin.body };
  }

  it('lists the agent’s own running calls of the ticket, for that agent only, until they end', async () => {
    const { t } = stack;
    const call = await joinedCall();
    const mine = await t.call('GET', `/api/cases/zendesk/${call.ticket}/my-open-calls`, { token: agent });
    expect(mine.status).toBe(200);
    expect(mine.body.calls).toEqual([expect.objectContaining({ id: call.callId, state: 'created', meetingType: expect.objectContaining({ name: 'Support call' }) })]);
    expect((await t.call('GET', `/api/cases/zendesk/${call.ticket}/my-open-calls`, { token: colleague })).body.calls).toEqual([]);
    expect((await t.call('GET', `/api/cases/zendesk/${ticketNumber('another-ticket')}/my-open-calls`, { token: agent })).body.calls).toEqual([]);
    expect((await t.call('GET', `/api/cases/zendesk/${call.ticket}/my-open-calls`)).status).toBe(401);
    expect((await t.call('GET', `/api/cases/fax/${call.ticket}/my-open-calls`, { token: agent })).status).toBe(400);

    expect((await t.call('POST', `/api/calls/${call.callId}/end`, { token: agent })).status).toBe(200);
    expect((await t.call('GET', `/api/cases/zendesk/${call.ticket}/my-open-calls`, { token: agent })).body.calls).toEqual([]);
  });

  it('gives the agent a fresh link that moves their seat to the new window, even into the locked room', async () => {
    const { t, database } = stack;
    const call = await joinedCall();
    const oldMediaToken = call.agent.media.janusToken as string;
    // Both are in: the room is locked to their two tokens, as the backend does once both publish.
    const [row] = await database.db.select().from(calls).where(eq(calls.id, call.callId));
    await t.gateway.restrictRoom(roomOf(row!), [oldMediaToken, call.customer.media.janusToken]);
    await database.db.update(calls).set({ state: 'active', startedAt: new Date(), lockedAt: new Date() }).where(eq(calls.id, call.callId));

    expect((await t.call('POST', `/api/calls/${call.callId}/agent-link`, { token: colleague })).status).toBe(403);
    const first = await t.call('POST', `/api/calls/${call.callId}/agent-link`, { token: agent });
    const second = await t.call('POST', `/api/calls/${call.callId}/agent-link`, { token: agent });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    // Only the newest link works.
    expect((await t.call('POST', `/api/join/${tokenOf(first.body.link)}`)).body.error.code).toBe('TOKEN_NOT_FOUND');
    const reopened = await t.call('POST', `/api/join/${tokenOf(second.body.link)}`);
    expect(reopened.status).toBe(200);
    expect(reopened.body).toMatchObject({ role: 'agent', admission: 'admitted', call: { id: call.callId } });
    const newMediaToken = reopened.body.media.janusToken as string;
    expect(newMediaToken).not.toBe(oldMediaToken);

    // The new window's token enters the locked room; the old window's is revoked.
    expect(await gatewayAccepts(reopened.body.media.janusUrl, oldMediaToken)).toBe(false);
    const browser = new ScriptedBrowser(reopened.body.media.janusUrl, newMediaToken);
    expect((await browser.connect()).janus).toBe('success');
    const { roomId, pin } = reopened.body.media;
    expect(pluginData(await browser.message({ request: 'join', ptype: 'publisher', room: roomId, pin, display: 'agent', token: newMediaToken }))).toMatchObject({ videoroom: 'joined' });

    const trail = await database.db.select({ action: auditEvents.action }).from(auditEvents).where(eq(auditEvents.subjectId, call.callId));
    expect(trail.filter((e) => e.action === 'call.agent_link_issued')).toHaveLength(2);
  });

  it('refuses a link into a call that has ended, or that is not the agent’s', async () => {
    const { t } = stack;
    const call = await joinedCall();
    expect((await t.call('POST', `/api/calls/${call.callId}/end`, { token: agent })).status).toBe(200);
    const ended = await t.call('POST', `/api/calls/${call.callId}/agent-link`, { token: agent });
    expect(ended.status).toBe(409);
    expect(ended.body.error.code).toBe('CALL_ENDED');
    // A call session is not an agent's sign-in.
    expect((await t.call('POST', `/api/calls/${call.callId}/agent-link`, { token: call.agent.session })).status).toBe(403);
    expect((await t.call('POST', '/api/calls/not-a-uuid/agent-link', { token: agent })).status).toBe(400);
    const other = await stack.t.signIn('other-account', 'reopen-agent');
    expect((await t.call('POST', `/api/calls/${call.callId}/agent-link`, { token: other })).status).toBe(404);
  });
});
