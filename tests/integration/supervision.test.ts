import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../backend/src/db/client.js';
import type { LocalJanus } from '../../media/janus/local-node.js';
import { freshDatabase } from '../support/databases.js';
import { gatewayAccepts } from '../support/scripted-janus-browser.js';
import { buildTestApp, escalation, startTestJanus, ticketNumber, tokenOf } from '../support/test-app.js';

describe('silent supervision: only where the meeting type allows it and the notice said so', () => {
  let database: Database;
  let janus: LocalJanus;
  let baseDir: string;
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  let admin: string;
  let agent: string;
  let supervisor: string;
  let support: string;
  let ticket = 0;

  beforeAll(async () => {
    baseDir = mkdtempSync(join(tmpdir(), 'parley-supervision-'));
    [database, janus] = await Promise.all([freshDatabase('pglite'), startTestJanus(baseDir)]);
    t = await buildTestApp(database, janus);
    admin = await t.signIn('acme', 'sup-admin', 'admin');
    agent = await t.signIn();
    supervisor = await t.signIn('acme', 'sup-lead', 'supervisor');
    support = await t.meetingType(agent, 'support');
  });
  afterAll(async () => {
    await t?.close();
    await janus?.stop();
    await database?.close();
    rmSync(baseDir, { recursive: true, force: true });
  });

  /** A call the customer agreed to join, with the agent's call session. */
  async function agreedCall() {
    ticket += 1;
    const { call, links } = (await t.call('POST', '/api/calls', { token: agent, body: escalation(support, `sv-${ticket}`, `cust-${ticket}`) })).body;
    // What the customer reads before deciding.
    const noticeHtml = await (await t.app.request(new URL(links.customer as string).pathname)).text();
    const customer = await t.call('POST', `/api/join/${await t.customerJoinToken(links.customer)}`);
    const agentJoin = await t.call('POST', `/api/join/${tokenOf(links.agent)}`);
    return { callId: call.id as string, ticket: ticketNumber(`sv-${ticket}`), customer: customer.body.session as string, agent: agentJoin.body.session as string, noticeHtml };
  }

  it('is refused where the meeting type does not allow it', async () => {
    const { callId, ticket: ticketId } = await agreedCall();
    expect((await t.call('GET', `/api/cases/zendesk/${ticketId}/live-calls`, { token: supervisor })).body.calls).toEqual([]);
    const res = await t.call('POST', `/api/calls/${callId}/supervise`, { token: supervisor });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/cannot be supervised/);
  });

  it('refuses a call the customer agreed to under a notice that did not mention it, and allows one under the new notice', async () => {
    const before = await agreedCall();
    const changed = await t.call('PUT', `/api/admin/meeting-types/${support}`, { token: admin, body: { silentSupervision: true } });
    expect(changed.status).toBe(200);
    expect(changed.body.noticeVersionsPublished).toBeGreaterThan(0);

    const old = await t.call('POST', `/api/calls/${before.callId}/supervise`, { token: supervisor });
    expect(old.status).toBe(409);
    expect(old.body.error.code).toBe('SUPERVISION_NOT_DISCLOSED');

    const after = await agreedCall();
    // The notice the customer read says it, in its own section; the earlier one did not.
    expect(after.noticeHtml).toMatch(/A supervisor of our team may listen to this call/);
    expect(before.noticeHtml).toMatch(/Who is responsible/);
    expect(before.noticeHtml).not.toMatch(/may listen to this call/);

    // The sidebar offers "Listen in" to the supervisor only.
    const offered = await t.call('GET', `/api/cases/zendesk/${after.ticket}/live-calls`, { token: supervisor });
    expect(offered.body.calls).toEqual([expect.objectContaining({ id: after.callId, meetingTypeName: 'Support call' })]);
    expect((await t.call('GET', `/api/cases/zendesk/${after.ticket}/live-calls`, { token: agent })).body.calls).toEqual([]);

    // A plain agent may not listen in; a supervisor may.
    expect((await t.call('POST', `/api/calls/${after.callId}/supervise`, { token: agent })).status).toBe(403);
    const granted = await t.call('POST', `/api/calls/${after.callId}/supervise`, { token: supervisor });
    expect(granted.status).toBe(201);
    const redeemed = await t.call('POST', `/api/join/${tokenOf(granted.body.link)}`);
    expect(redeemed.body).toMatchObject({ role: 'supervisor', admission: 'admitted', media: { display: 'supervisor' } });
    expect(await gatewayAccepts(janus.node.browserUrl, redeemed.body.media.janusToken)).toBe(true);

    // Listening is all a supervisor can do.
    const record = await t.call('POST', `/api/calls/${after.callId}/recording`, { token: redeemed.body.session, body: { on: false } });
    expect(record.status).toBe(403);
    const end = await t.call('POST', `/api/calls/${after.callId}/end`, { token: redeemed.body.session });
    expect(end.status).toBe(403);

    // The agent can send the supervisor away; they cannot come back to this call.
    const view = await t.call('GET', `/api/calls/${after.callId}`, { token: after.agent });
    const seat = (view.body.call.participants as { id: string; role: string }[]).find((p) => p.role === 'supervisor')!;
    expect((await t.call('POST', `/api/calls/${after.callId}/participants/${seat.id}/remove`, { token: after.agent })).status).toBe(200);
    expect(await gatewayAccepts(janus.node.browserUrl, redeemed.body.media.janusToken)).toBe(false);
    expect((await t.call('GET', `/api/calls/${after.callId}`, { token: redeemed.body.session })).status).toBe(410);
    const again = await t.call('POST', `/api/calls/${after.callId}/supervise`, { token: supervisor });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('PARTICIPANT_REMOVED');
  });

  it('cannot be combined with end-to-end encryption', async () => {
    const res = await t.call('PUT', `/api/admin/meeting-types/${support}`, { token: admin, body: { e2ee: true } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('E2EE_EXCLUDES_SUPERVISION');
  });
});
