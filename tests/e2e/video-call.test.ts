import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path, { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calls, recordings } from '../../backend/src/db/schema/index.js';
import { rawRecordingDir } from '../../backend/src/services/recordings/raw-dir.js';
import { plaintextMediaUnder } from '../support/recording-fixtures.js';
import {
  DEMO_ORGANIZATION,
  api,
  escalateFromDemo,
  openAsCustomer,
  playedRecording,
  remoteVideoAdvances,
  remoteVideoSize,
  startHarness,
  waitForRemoteVideo,
  type Harness,
} from './harness.js';


describe('escalate to video, end to end (Janus + Chromium)', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({ janusNodes: 2 });
  });
  afterAll(async () => {
    await harness?.close();
  });

  async function connectedCall(meetingTypeName: string) {
    const call = await escalateFromDemo(harness, meetingTypeName);
    const customer = await openAsCustomer(harness, call);
    const granted = call.agentCall.waitForResponse((r) => r.url().includes('/api/join/') && r.status() === 200);
    await call.agentCall.locator('#join-call').click();
    const callId = ((await (await granted).json()) as { call: { id: string } }).call.id;
    await customer.locator('#join-call').click();
    await Promise.all([waitForRemoteVideo(call.agentCall), waitForRemoteVideo(customer)]);
    const [row] = await harness.parley.database.db.select().from(calls).where(eq(calls.id, callId));
    return { ...call, customer, row: row! };
  }

  it('connects agent and customer with video both ways, and destroys the room when the agent hangs up', async () => {
    const call = await connectedCall('Support call');

    expect((await remoteVideoSize(call.agentCall)).width).toBeGreaterThan(0);
    expect((await remoteVideoSize(call.customer)).width).toBeGreaterThan(0);
    expect(await remoteVideoAdvances(call.agentCall)).toBe(true);
    expect(await remoteVideoAdvances(call.customer)).toBe(true);
    await expect.poll(() => call.agentCall.getByTestId('call-status').textContent()).toBe('Connected');
    // Once the page has shown what the call records, the indicator must not be on.
    await expect.poll(() => call.customer.getByTestId('call-meeting-type').textContent()).toContain('Not recorded');
    expect(await call.customer.getByTestId('recording-indicator').isVisible()).toBe(false);
    // Both browsers report DTLS connected and an SRTP cipher in use before saying so. Chromium
    // names the cipher by its DTLS-SRTP profile (SRTP_AES128_CM_HMAC_SHA1_80) in some versions and
    // by its SDES crypto suite (AES_CM_128_HMAC_SHA1_80) in others; either is an SRTP cipher.
    const srtpCipher = /^Encrypted in transit \(DTLS-SRTP, (SRTP_)?(AEAD_AES_(128|256)_GCM|AES128_CM_HMAC_SHA1_(80|32)|AES_CM_128_HMAC_SHA1_(80|32))\)$/;
    for (const page of [call.agentCall, call.customer]) {
      await expect.poll(() => page.getByTestId('transport-security').textContent(), { timeout: 10_000 }).toMatch(srtpCipher);
    }

    const room = { nodeId: call.row.mediaNodeId, roomId: call.row.mediaRoomId, secret: call.row.mediaRoomSecret };
    expect((await harness.parley.gateway.listParticipants(room)).filter((p) => p.publisher)).toHaveLength(2);

    await call.agentCall.locator('#hang-up').click();
    await expect.poll(() => call.customer.evaluate(() => document.body.dataset.callState), { timeout: 10_000 }).toBe('ended');
    await expect(harness.parley.gateway.listParticipants(room)).rejects.toThrow(/426|no such room/i);
    const [after] = await harness.parley.database.db.select({ state: calls.state }).from(calls).where(eq(calls.id, call.row.id));
    expect(after!.state).toBe('ended');
    // Recording is forbidden for this meeting type: the media server never had a folder to write to.
    expect(existsSync(rawRecordingDir(harness.dataDir, call.row.id))).toBe(false);
    expect((await plaintextMediaUnder(harness.dataDir)).filter((file) => file.includes(call.row.id))).toEqual([]);
    await Promise.all(call.contexts.map((c) => c.close()));
  });

  it('takes a person who reloads the call page back into the running call, and not once it is over', async () => {
    const call = await connectedCall('Support call');

    await call.customer.reload();
    // The link was spent by the first join: the page offers the way back in, with nothing switched on.
    await expect.poll(() => call.customer.locator('#join-call').textContent()).toBe('Go back in');
    expect(await call.customer.evaluate(() => (document.querySelector('#local-video') as HTMLVideoElement).srcObject)).toBeNull();
    await call.customer.locator('#join-call').click();
    await waitForRemoteVideo(call.customer);
    expect(await remoteVideoAdvances(call.customer)).toBe(true);
    // The agent sees the customer again: a new stream from the new publisher, not the frozen last frame.
    await expect.poll(() => remoteVideoAdvances(call.agentCall), { timeout: 15_000 }).toBe(true);
    await expect.poll(() => call.agentCall.getByTestId('call-status').textContent(), { timeout: 10_000 }).toBe('Connected');

    // The agent reloads too, and is back in the same call.
    await call.agentCall.reload();
    await call.agentCall.locator('#join-call').click();
    await waitForRemoteVideo(call.agentCall);
    await expect.poll(() => remoteVideoAdvances(call.customer), { timeout: 15_000 }).toBe(true);

    await call.agentCall.locator('#hang-up').click();
    await expect.poll(() => call.customer.evaluate(() => document.body.dataset.callState), { timeout: 10_000 }).toBe('ended');
    // Over: a reload is a spent link again.
    await call.customer.reload();
    expect(await call.customer.locator('#join-call').textContent()).toBe('Join call');
    await call.customer.locator('#join-call').click();
    await expect.poll(() => call.customer.getByTestId('call-status').textContent()).toBe('This link can no longer be used');
    await Promise.all(call.contexts.map((c) => c.close()));
  });

  it('shows the agent their running call again after the sidebar reloads, and "Open call" takes them back in', async () => {
    const call = await connectedCall('Support call');
    await call.agentCall.close();

    await call.demo.reload();
    const sidebar = call.demo.frameLocator('[data-testid=sidebar-frame]');
    await expect.poll(() => sidebar.getByTestId('sidebar-call-state').textContent(), { timeout: 10_000 }).toBe('Call in progress');
    expect(await sidebar.getByTestId('escalate-button').isDisabled()).toBe(true);

    const popup = call.demo.context().waitForEvent('page');
    await sidebar.getByTestId('open-call').click();
    const reopened = await popup;
    await reopened.locator('#join-call').click();
    await waitForRemoteVideo(reopened);
    expect(await remoteVideoAdvances(reopened)).toBe(true);
    // The customer sees the agent again, through the locked room.
    await expect.poll(() => remoteVideoAdvances(call.customer), { timeout: 15_000 }).toBe(true);

    await sidebar.getByTestId('end-call-button').click();
    await expect.poll(() => call.customer.evaluate(() => document.body.dataset.callState), { timeout: 10_000 }).toBe('ended');
    await expect.poll(() => sidebar.getByTestId('escalate-button').isDisabled()).toBe(false);
    await Promise.all(call.contexts.map((c) => c.close()));
  });

  it('records an advice call encrypted at rest and plays it back through /media with Range', async () => {
    const call = await connectedCall('Advice call');
    await expect.poll(() => call.customer.getByTestId('recording-indicator').isVisible(), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => call.agentCall.getByTestId('recording-indicator').textContent()).toMatch(/Recording audio and video/);

    await call.agentCall.waitForTimeout(4500);
    await call.agentCall.locator('#hang-up').click();
    await expect.poll(() => call.agentCall.evaluate(() => document.body.dataset.callState), { timeout: 10_000 }).toBe('ended');

    // The pipeline runs after the call: compose, encrypt, verify, store, remove raw media.
    const recordingOf = async () => (await harness.parley.database.db.select().from(recordings).where(eq(recordings.callId, call.row.id)))[0];
    await expect.poll(async () => (await recordingOf())?.stage, { timeout: 60_000, interval: 250 }).toMatch(/done|failed/);
    const recording = (await recordingOf())!;
    expect(recording).toMatchObject({ stage: 'done', lastError: null });
    expect(await plaintextMediaUnder(harness.dataDir)).toEqual([]);
    const stored = await readFile(join(harness.dataDir, 'store', recording.objectKey!));
    expect(stored.subarray(0, 7).toString('latin1')).toBe('PRLYENC');

    // The demo page signs its agent in to account "demo"; the same agent plays the recording back.
    const { playback, response: whole, bytes, streams, duration } = await playedRecording(harness, recording.id);
    expect(new Date(playback.expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(300_000);
    expect(whole.status).toBe(206);
    expect(whole.headers.get('cache-control')).toBe('no-store');
    expect(whole.headers.get('content-disposition')).toBe('inline');
    expect(whole.headers.get('access-control-allow-origin')).toBeNull();
    expect(whole.headers.get('content-range')).toBe(`bytes 0-${bytes.length - 1}/${bytes.length}`);
    expect(streams).toEqual(['audio', 'video']);
    expect(duration).toBeGreaterThanOrEqual(3);

    // A range in the middle returns exactly those bytes.
    const from = Math.floor(bytes.length / 2);
    const middle = await fetch(playback.streamUrl, { headers: { range: `bytes=${from}-${from + 999}` } });
    expect(middle.status).toBe(206);
    expect(Buffer.from(await middle.arrayBuffer()).equals(bytes.subarray(from, from + 1000))).toBe(true);

    // In the sidebar the agent sees it is available and plays it in the viewer, under a watermark of their name.
    const sidebar = call.demo.frameLocator('[data-testid=sidebar-frame]');
    await expect.poll(() => sidebar.getByTestId('recording-status').textContent(), { timeout: 15_000 }).toMatch(/^Available/);
    const [viewer] = await Promise.all([call.demo.context().waitForEvent('page'), sidebar.getByTestId('play-recording').click()]);
    await viewer.getByTestId('watermark').waitFor();
    await expect.poll(() => viewer.getByTestId('watermark').textContent()).toContain('Dana Agent');
    expect(new URL(viewer.url()).hash).toBe('');
    const video = viewer.locator('#player-frame video');
    expect((await video.getAttribute('controlslist'))?.split(/\s+/)).toContain('nodownload');
    await video.evaluate((element: HTMLVideoElement) => {
      element.muted = true;
      return element.play();
    });
    await expect.poll(() => video.evaluate((element: HTMLVideoElement) => element.currentTime), { timeout: 10_000 }).toBeGreaterThan(0.5);
    expect(await video.evaluate((element: HTMLVideoElement) => element.videoWidth)).toBeGreaterThan(0);

    // Opened again later, the ticket's sidebar lists its recordings with a Play button each.
    const later = await call.demo.context().newPage();
    await later.goto(`${harness.parley.url}/demo`);
    const laterSidebar = later.frameLocator('[data-testid=sidebar-frame]');
    await expect.poll(() => laterSidebar.getByTestId('ticket-recording').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await expect.poll(() => laterSidebar.getByTestId('ticket-recordings').textContent()).toMatch(/audio and video/);
    await Promise.all(call.contexts.map((c) => c.close()));
  });
  it("ignores a customer's browser that asks Janus to record or names a file to write", async () => {
    const call = await escalateFromDemo(harness, 'Support call');
    const customer = await openAsCustomer(harness, call);
    // The customer's own page is tampered with: every configure it sends to Janus asks to record.
    const stolen = join(harness.dataDir, '..', `stolen-${Date.now()}`);
    let tampered = 0;
    await customer.route(/\/janus\//, async (route) => {
      const body = route.request().postData();
      if (route.request().method() !== 'POST' || !body?.includes('"request":"configure"')) return route.continue();
      const message = JSON.parse(body) as { body: Record<string, unknown> };
      message.body = { ...message.body, record: true, filename: stolen };
      tampered += 1;
      return route.continue({ postData: JSON.stringify(message) });
    });
    const granted = call.agentCall.waitForResponse((r) => r.url().includes('/api/join/') && r.status() === 200);
    await call.agentCall.locator('#join-call').click();
    const callId = ((await (await granted).json()) as { call: { id: string } }).call.id;
    await customer.locator('#join-call').click();
    await Promise.all([waitForRemoteVideo(call.agentCall), waitForRemoteVideo(customer)]);
    expect(tampered).toBeGreaterThan(0);
    await customer.waitForTimeout(3000);

    const written = readdirSync(join(harness.dataDir, '..')).filter((name) => name.startsWith(path.basename(stolen)));
    expect(written).toEqual([]);
    expect(existsSync(rawRecordingDir(harness.dataDir, callId))).toBe(false);
    expect((await plaintextMediaUnder(harness.dataDir)).filter((file) => file.endsWith('.mjr') || file.includes('.mjr.'))).toEqual([]);
    await call.agentCall.locator('#hang-up').click();
    await Promise.all(call.contexts.map((c) => c.close()));
  });

  // Last in this file: it kills one of the harness's Janus nodes.
  it('ends the call with a reason when its Janus dies, and salvages, encrypts and stores what was recorded', async () => {
    const call = await connectedCall('Advice call');
    await expect.poll(() => call.agentCall.getByTestId('recording-indicator').isVisible(), { timeout: 10_000 }).toBe(true);
    await call.agentCall.waitForTimeout(3500);

    const node = /^local-(\d+)$/.exec(call.row.mediaNodeId)![1];
    const pid = execFileSync('pgrep', ['-f', join(harness.dataDir, 'janus', `node-${node}`, 'conf')], { encoding: 'utf8' }).trim().split('\n')[0]!;
    process.kill(Number(pid), 'SIGKILL');

    const callOf = async () => (await harness.parley.database.db.select().from(calls).where(eq(calls.id, call.row.id)))[0]!;
    await expect.poll(async () => (await callOf()).state, { timeout: 30_000, interval: 250 }).toBe('failed');
    expect((await callOf()).endReason).toBe('media_server_lost');
    await expect.poll(() => call.customer.getByTestId('call-status').textContent(), { timeout: 10_000 }).toMatch(/cut off/);

    const recordingOf = async () => (await harness.parley.database.db.select().from(recordings).where(eq(recordings.callId, call.row.id)))[0];
    await expect.poll(async () => (await recordingOf())?.stage, { timeout: 60_000, interval: 250 }).toMatch(/done|failed/);
    const recording = (await recordingOf())!;
    expect(recording.stage).toBe('done');
    expect(recording.durationSeconds).toBeGreaterThanOrEqual(2);
    expect((await plaintextMediaUnder(harness.dataDir)).filter((file) => file.includes(call.row.id))).toEqual([]);

    const session = await api<{ token: string }>(harness, 'POST', '/api/demo/session', { body: { accountId: 'demo', userId: '1234', name: 'Dana Agent', organizations: [DEMO_ORGANIZATION] } });
    const playback = await api<{ streamUrl: string }>(harness, 'POST', `/api/recordings/${recording.id}/playback`, { token: session.body.token });
    const played = join(harness.dataDir, '..', `salvaged-${recording.id}.webm`);
    await writeFile(played, Buffer.from(await (await fetch(playback.body.streamUrl)).arrayBuffer()));
    try {
      const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', played], { encoding: 'utf8' })) as { streams: { codec_type: string }[] };
      expect(probe.streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'video']);
    } finally {
      await rm(played, { force: true });
    }
    await Promise.all(call.contexts.map((c) => c.close()));
  });
});
