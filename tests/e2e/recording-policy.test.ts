import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calls, recordings } from '../../backend/src/db/schema/index.js';
import { rawRecordingDir } from '../../backend/src/services/recordings/raw-dir.js';
import { plaintextMediaUnder } from '../support/recording-fixtures.js';
import { api, escalateFromDemo, openAsCustomer, playedRecording, startHarness, waitForRemoteVideo, type Harness } from './harness.js';

/** What each meeting type keeps, in a real call through Janus and Chromium. */
describe('recording follows the meeting type (Janus + Chromium)', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({ janusNodes: 1 });
  });
  afterAll(async () => {
    await harness?.close();
  });

  /** Both in the call; `media` says whether to wait for pictures or only for the call to connect. */
  async function joinedCall(meetingTypeName: string, options: { recording?: boolean; media: 'audio' | 'audio+video' }) {
    const call = await escalateFromDemo(harness, meetingTypeName);
    const customer = await openAsCustomer(harness, call, { recording: options.recording });
    const granted = call.agentCall.waitForResponse((r) => r.url().includes('/api/join/') && r.status() === 200);
    await call.agentCall.locator('#join-call').click();
    const callId = ((await (await granted).json()) as { call: { id: string } }).call.id;
    await customer.locator('#join-call').click();
    if (options.media === 'audio+video') {
      await Promise.all([waitForRemoteVideo(call.agentCall), waitForRemoteVideo(customer)]);
    } else {
      for (const page of [call.agentCall, customer]) await expect.poll(() => page.getByTestId('call-status').textContent(), { timeout: 15_000 }).toBe('Connected');
    }
    return { ...call, customer, callId };
  }

  /** Janus' files for the call: `.mjr.tmp` while it writes them (recordings_tmp_ext), `.mjr` once closed. */
  const rawFiles = (callId: string) => {
    const dir = rawRecordingDir(harness.dataDir, callId);
    return existsSync(dir) ? readdirSync(dir).filter((f) => /\.mjr(\.tmp)?$/.test(f)) : [];
  };
  const rawBytes = (callId: string) => rawFiles(callId).reduce((sum, f) => sum + statSync(join(rawRecordingDir(harness.dataDir, callId), f)).size, 0);

  async function storedRecording(callId: string) {
    const recordingOf = async () => (await harness.parley.database.db.select().from(recordings).where(eq(recordings.callId, callId)))[0];
    await expect.poll(async () => (await recordingOf())?.stage, { timeout: 60_000, interval: 250 }).toMatch(/done|failed/);
    const recording = (await recordingOf())!;
    expect(recording).toMatchObject({ stage: 'done', lastError: null });
    expect(await plaintextMediaUnder(harness.dataDir)).toEqual([]);
    return recording;
  }

  async function hangUp(agentCall: Page) {
    await agentCall.locator('#hang-up').click();
    await expect.poll(() => agentCall.evaluate(() => document.body.dataset.callState), { timeout: 10_000 }).toBe('ended');
  }

  it('records an optional call only while the agent has recording on', async () => {
    const call = await joinedCall('Consultation', { recording: true, media: 'audio+video' });
    const toggle = call.agentCall.getByTestId('recording-toggle');
    await expect.poll(() => toggle.textContent(), { timeout: 10_000 }).toBe('Start recording');

    // Connected for a while with recording off: Janus writes nothing.
    await call.agentCall.waitForTimeout(2000);
    expect(rawFiles(call.callId)).toEqual([]);
    expect(await call.customer.getByTestId('recording-indicator').isVisible()).toBe(false);

    await toggle.click();
    await expect.poll(() => call.customer.getByTestId('recording-indicator').isVisible(), { timeout: 10_000 }).toBe(true);
    await call.agentCall.waitForTimeout(4000);
    expect(rawBytes(call.callId)).toBeGreaterThan(0);

    await toggle.click();
    await expect.poll(() => call.customer.getByTestId('recording-indicator').isVisible(), { timeout: 10_000 }).toBe(false);
    // Off means off: the files stop growing while the call goes on.
    await call.agentCall.waitForTimeout(1000);
    const afterStop = rawBytes(call.callId);
    await call.agentCall.waitForTimeout(3000);
    expect(rawBytes(call.callId)).toBe(afterStop);

    const [row] = await harness.parley.database.db.select({ startedAt: calls.startedAt }).from(calls).where(eq(calls.id, call.callId));
    await hangUp(call.agentCall);
    const lasted = (Date.now() - row!.startedAt!.getTime()) / 1000;

    const played = await playedRecording(harness, (await storedRecording(call.callId)).id);
    expect(played.streams).toEqual(['audio', 'video']);
    // About the four seconds it was on, not the whole call.
    expect(played.duration).toBeGreaterThanOrEqual(3);
    expect(played.duration).toBeLessThan(lasted - 3);
    await Promise.all(call.contexts.map((c) => c.close()));
  });

  it('keeps no picture of an audio-only meeting type, whatever the cameras could send', async () => {
    const admin = await api<{ token: string }>(harness, 'POST', '/api/demo/session', { body: { accountId: 'demo', userId: 'admin-e2e', name: 'Ada Admin', role: 'admin' } });
    const types = await api<{ meetingTypes: { id: string; key: string }[] }>(harness, 'GET', '/api/meeting-types', { token: admin.body.token });
    const advice = types.body.meetingTypes.find((t) => t.key === 'advice')!;
    expect((await api(harness, 'PUT', `/api/admin/meeting-types/${advice.id}`, { token: admin.body.token, body: { media: 'audio' } })).status).toBe(200);

    const call = await joinedCall('Advice call', { media: 'audio' });
    await expect.poll(() => call.customer.getByTestId('recording-indicator').textContent(), { timeout: 10_000 }).toMatch(/Recording audio only/);
    // The page asked for no camera at all.
    expect(await call.customer.evaluate(() => (document.querySelector('#local-video') as HTMLVideoElement).srcObject === null || (document.querySelector('#local-video') as HTMLVideoElement & { srcObject: MediaStream }).srcObject.getVideoTracks().length === 0)).toBe(true);
    await call.agentCall.waitForTimeout(4000);
    // Janus writes sound only.
    expect(rawFiles(call.callId).length).toBeGreaterThan(0);
    expect(rawFiles(call.callId).filter((f) => /-video-/.test(f))).toEqual([]);
    await hangUp(call.agentCall);

    const played = await playedRecording(harness, (await storedRecording(call.callId)).id);
    expect(played.streams).toEqual(['audio']);
    expect(played.duration).toBeGreaterThanOrEqual(3);
    await Promise.all(call.contexts.map((c) => c.close()));
  });
});
