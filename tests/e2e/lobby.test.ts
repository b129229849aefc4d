import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calls, meetingTypes } from '../../backend/src/db/schema/index.js';
import { pluginData, ScriptedBrowser } from '../support/scripted-janus-browser.js';
import { escalateFromDemo, openAsCustomer, startHarness, waitForRemoteVideo, type Harness } from './harness.js';

const callState = (page: Page) => page.evaluate(() => document.body.dataset.callState);

describe('lobby, removal and the locked room, end to end (Janus + Chromium)', () => {
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

  it('lets the agent turn away whoever waits in the lobby', async () => {
    const call = await customerInLobby();
    await call.agentCall.getByTestId('turn-away').click();
    await expect.poll(() => callState(call.customer), { timeout: 10_000 }).toBe('removed');
    expect(await call.customer.getByTestId('call-status').textContent()).toMatch(/^The agent did not let you into this call/);
    expect((await harness.parley.gateway.listParticipants(call.room)).map((p) => p.display)).toEqual(['agent']);
    await call.agentCall.locator('#hang-up').click();
    await Promise.all(call.contexts.map((c) => c.close()));
  });
});
