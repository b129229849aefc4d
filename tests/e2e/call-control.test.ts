import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calls, meetingTypes } from '../../backend/src/db/schema/index.js';
import { pluginData, ScriptedBrowser } from '../support/scripted-janus-browser.js';
import { api, escalateFromDemo, openAsCustomer, startHarness, waitForRemoteVideo, type Harness } from './harness.js';

const callState = (page: Page) => page.evaluate(() => document.body.dataset.callState);

describe('who is in the room: lobby, removal, the locked room and silent supervision, end to end (Janus + Chromium)', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness?.close();
  });

  /** The agent escalates a support call (which has a lobby here) and joins; the customer accepts and clicks Join. */
  async function customerInLobby() {
    const call = await escalateFromDemo(harness, 'Support call');
    // An admin switched the lobby on for this meeting type (the console's checkbox does the same).
    await harness.parley.database.db.update(meetingTypes).set({ lobby: true }).where(eq(meetingTypes.key, 'support'));
    const granted = call.agentCall.waitForResponse((r) => r.url().includes('/api/join/') && r.status() === 200);
    await call.agentCall.locator('#join-call').click();
    const callId = ((await (await granted).json()) as { call: { id: string } }).call.id;
    const customer = await openAsCustomer(harness, call);
    await customer.locator('#join-call').click();
    await expect.poll(() => callState(customer)).toBe('waiting');
    const [row] = await harness.parley.database.db.select().from(calls).where(eq(calls.id, callId));
    const room = { nodeId: row!.mediaNodeId, roomId: row!.mediaRoomId, secret: row!.mediaRoomSecret };
    return { ...call, customer, row: row!, room };
  }

  it('keeps the customer out of the room until the agent lets them in, then locks the room to the two of them', async () => {
    const call = await customerInLobby();
    await expect.poll(() => call.customer.getByTestId('call-status').textContent()).toBe('Waiting for the agent to let you in…');
    // Waiting shares nothing: the customer's page has not touched the camera, and only the agent is in the room.
    expect(await call.customer.evaluate(() => (document.querySelector<HTMLVideoElement>('#local-video')!.srcObject as MediaStream | null)?.getTracks().length ?? 0)).toBe(0);
    await call.agentCall.getByTestId('waiting-room').waitFor({ timeout: 10_000 });
    expect((await harness.parley.gateway.listParticipants(call.room)).map((p) => p.display)).toEqual(['agent']);
    expect(await call.customer.getByTestId('room-locked').isVisible()).toBe(false);

    await call.agentCall.getByTestId('admit').click();
    await Promise.all([waitForRemoteVideo(call.agentCall, 20_000), waitForRemoteVideo(call.customer, 20_000)]);
    await expect.poll(() => call.agentCall.getByTestId('waiting-room').isVisible()).toBe(false);
    for (const page of [call.agentCall, call.customer]) {
      await expect.poll(() => page.getByTestId('room-locked').isVisible(), { timeout: 10_000 }).toBe(true);
    }

    // Locked: a token the gateway accepts, with the right room and pin, still cannot watch the agent.
    const outsider = `outsider-${randomBytes(12).toString('hex')}`;
    await harness.parley.gateway.addParticipantToken(call.room.nodeId, outsider);
    const agentFeed = (await harness.parley.gateway.listParticipants(call.room)).find((p) => p.display === 'agent' && p.publisher)!;
    const intruder = new ScriptedBrowser(harness.parley.gateway.browserUrl(call.room.nodeId), outsider);
    expect((await intruder.connect()).janus).toBe('success');
    const watch = pluginData(
      await intruder.message({ request: 'join', ptype: 'subscriber', room: call.room.roomId, pin: call.row.mediaRoomPin, token: outsider, streams: [{ feed: agentFeed.id }] }),
    );
    expect(watch).toMatchObject({ error_code: 433 });
    const publish = pluginData(await intruder.message({ request: 'join', ptype: 'publisher', room: call.room.roomId, pin: call.row.mediaRoomPin, token: outsider, display: 'customer' }));
    expect(publish).toMatchObject({ error_code: 433 });

    // The agent removes the customer: their page says so, and the room holds the agent alone.
    await call.agentCall.getByTestId('remove-customer').click();
    await expect.poll(() => callState(call.customer), { timeout: 10_000 }).toBe('removed');
    expect(await call.customer.getByTestId('call-status').textContent()).toBe('The agent removed you from this call.');
    await expect.poll(async () => (await harness.parley.gateway.listParticipants(call.room)).map((p) => p.display), { timeout: 10_000 }).toEqual(['agent']);
    expect(await call.customer.locator('#join-call').isVisible()).toBe(false);

    await call.agentCall.locator('#hang-up').click();
    await Promise.all(call.contexts.map((c) => c.close()));
  });

  it('lets a waiting customer leave the waiting room, in the language of their link, and tells the agent', async () => {
    const call = await escalateFromDemo(harness, 'Support call');
    await harness.parley.database.db.update(meetingTypes).set({ lobby: true }).where(eq(meetingTypes.key, 'support'));
    await call.agentCall.locator('#join-call').click();
    // The customer reads the notice in German; the consent page passes the language on to the call page.
    const inGerman = new URL(call.customerLink);
    inGerman.searchParams.set('lang', 'de');
    const customer = await openAsCustomer(harness, { ...call, customerLink: inGerman.href });
    expect(new URL(customer.url()).searchParams.get('lang')).toBe('de');
    expect(await customer.getAttribute('html', 'lang')).toBe('de');
    expect(await customer.title()).toBe('Videoanruf');
    expect(await customer.locator('#join-call').textContent()).toBe('Anruf beitreten');
    await customer.locator('#join-call').click();
    await expect.poll(() => callState(customer)).toBe('waiting');
    expect(await customer.getByTestId('call-status').textContent()).toBe('Warten, bis Ihr Ansprechpartner Sie hereinlässt…');
    await call.agentCall.getByTestId('waiting-room').waitFor({ timeout: 10_000 });

    await customer.getByTestId('leave-lobby').click();
    await expect.poll(() => callState(customer)).toBe('left');
    expect(await customer.getByTestId('call-status').textContent()).toBe('Sie haben den Warteraum verlassen');
    expect(await customer.getByTestId('leave-lobby').isVisible()).toBe(false);
    // The agent (whose browser speaks English) no longer sees anyone waiting, and is told why.
    await expect.poll(() => call.agentCall.getByTestId('waiting-room').isVisible(), { timeout: 10_000 }).toBe(false);
    await expect.poll(() => call.agentCall.getByTestId('call-warning').textContent()).toBe('The customer left the waiting room.');
    await call.agentCall.locator('#hang-up').click();
    await expect.poll(() => callState(call.agentCall), { timeout: 10_000 }).toBe('ended');
    await Promise.all(call.contexts.map((c) => c.close()));
  });

  it('lets the agent turn away whoever waits in the lobby', async () => {
    const call = await customerInLobby();
    await call.agentCall.getByTestId('turn-away').click();
    await expect.poll(() => callState(call.customer), { timeout: 10_000 }).toBe('removed');
    expect(await call.customer.getByTestId('call-status').textContent()).toMatch(/^The agent did not let you into this call/);
    expect((await harness.parley.gateway.listParticipants(call.room)).map((p) => p.display)).toEqual(['agent']);
    await call.agentCall.locator('#hang-up').click();
    await Promise.all(call.contexts.map((c) => c.close()));
  });

  it('lets a supervisor find the call in the ticket sidebar and listen to the locked room, unseen, where the meeting type and the notice allow it', async () => {
    // The demo desk's account and ticket, so the supervisor can use the sidebar as a person would.
    const account = 'demo';
    const organization = { kind: 'zendesk_organization', externalId: '360001', name: 'Northwind Broadband' };
    const session = async (userId: string, role: string) =>
      (await api<{ token: string }>(harness, 'POST', '/api/demo/session', { body: { accountId: account, userId, name: `Dana ${role}`, role, organizations: ['360001'] } })).body
        .token;
    const [admin, agent] = [await session('a-1', 'admin'), await session('a-2', 'agent')];
    const types = await api<{ meetingTypes: { id: string; key: string }[] }>(harness, 'GET', '/api/meeting-types', { token: admin });
    const support = types.body.meetingTypes.find((t) => t.key === 'support')!.id;
    // What an admin does in the console: the notice gains its supervision section from now on.
    expect((await api(harness, 'PUT', `/api/admin/meeting-types/${support}`, { token: admin, body: { silentSupervision: true, lobby: false } })).status).toBe(200);
    const escalated = await api<{ call: { id: string }; links: { customer: string; agent: string } }>(harness, 'POST', '/api/calls', {
      token: agent,
      body: { meetingTypeId: support, case: { host: 'zendesk', externalId: '4711', client: organization }, customer: { externalId: 'c-880001', displayName: 'Alex Customer', locale: 'en' } },
    });
    expect(escalated.status).toBe(201);

    const contexts = await Promise.all([harness.browser.newContext(), harness.browser.newContext(), harness.browser.newContext()]);
    const [agentPage, customerPage, supervisorPage] = await Promise.all(contexts.map((c) => c.newPage()));
    await agentPage!.goto(escalated.body.links.agent);
    await agentPage!.locator('#join-call').click();
    await customerPage!.goto(escalated.body.links.customer);
    await expect.poll(() => customerPage!.getByText('A supervisor of our team may listen to this call').isVisible()).toBe(true);
    await customerPage!.locator('button[name=join][value=true]').click();
    await customerPage!.waitForURL(/\/j\/[\w-]+(\?lang=[a-z]{2})?$/);
    await customerPage!.locator('#join-call').click();
    await Promise.all([waitForRemoteVideo(agentPage!, 20_000), waitForRemoteVideo(customerPage!, 20_000)]);
    await expect.poll(() => agentPage!.getByTestId('room-locked').isVisible(), { timeout: 10_000 }).toBe(true);

    // The supervisor opens the ticket and finds the call under "Live calls you may listen to".
    await supervisorPage!.goto(`${harness.parley.url}/demo?as=supervisor`);
    const sidebar = supervisorPage!.frameLocator('[data-testid=sidebar-frame]');
    await sidebar.getByTestId('signin-status').filter({ hasText: 'Sam Supervisor' }).waitFor();
    const listenIn = sidebar.locator(`[data-testid=live-call][data-call-id="${escalated.body.call.id}"] [data-testid=listen-in]`);
    const popup = contexts[2]!.waitForEvent('page');
    await listenIn.click();
    const listening = await popup;
    await listening.waitForURL(/\/j\/[\w-]+(\?lang=[a-z]{2})?$/);
    await listening.locator('#join-call').click();
    // The room was locked before the supervisor came: their token was added to it, and they see and hear the call.
    await waitForRemoteVideo(listening, 20_000);
    await expect.poll(() => listening.getByTestId('call-status').textContent()).toMatch(/^Listening silently/);
    expect(await listening.evaluate(() => (document.querySelector<HTMLVideoElement>('#local-video')!.srcObject as MediaStream | null)?.getTracks().length ?? 0)).toBe(0);

    const [row] = await harness.parley.database.db.select().from(calls).where(eq(calls.id, escalated.body.call.id));
    const room = { nodeId: row!.mediaNodeId, roomId: row!.mediaRoomId, secret: row!.mediaRoomSecret };
    const inRoom = await harness.parley.gateway.listParticipants(room);
    expect(inRoom.filter((p) => p.publisher).map((p) => p.display).sort()).toEqual(['agent', 'customer']);
    expect(inRoom.find((p) => p.display === 'supervisor')).toMatchObject({ publisher: false });
    // The two in the call are undisturbed.
    await waitForRemoteVideo(customerPage!);

    await agentPage!.locator('#hang-up').click();
    await expect.poll(() => callState(listening), { timeout: 10_000 }).toBe('ended');
    await Promise.all(contexts.map((c) => c.close()));
  });
});
