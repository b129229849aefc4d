import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calls, recordings } from '../../backend/src/db/schema/index.js';
import { escalateFromDemo, openAsCustomer, remoteVideoAdvances, remoteVideoSize, startHarness, waitForRemoteVideo, type Harness } from './harness.js';

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
    await expect.poll(() => call.customer.getByTestId('recording-indicator').isVisible()).toBe(false);

    const room = { nodeId: call.row.mediaNodeId, roomId: call.row.mediaRoomId, secret: call.row.mediaRoomSecret };
    expect((await harness.parley.gateway.listParticipants(room)).filter((p) => p.publisher)).toHaveLength(2);

    await call.agentCall.locator('#hang-up').click();
    await expect.poll(() => call.customer.evaluate(() => document.body.dataset.callState), { timeout: 10_000 }).toBe('ended');
    await expect(harness.parley.gateway.listParticipants(room)).rejects.toThrow(/426|no such room/i);
    const [after] = await harness.parley.database.db.select({ state: calls.state }).from(calls).where(eq(calls.id, call.row.id));
    expect(after!.state).toBe('ended');
    await Promise.all(call.contexts.map((c) => c.close()));
  });

  it('records an advice call into one .webm with one audio and one video stream', async () => {
    const call = await connectedCall('Advice call');
    await expect.poll(() => call.customer.getByTestId('recording-indicator').isVisible(), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => call.agentCall.getByTestId('recording-indicator').textContent()).toMatch(/Recording/);

    await call.agentCall.waitForTimeout(4500);
    await call.agentCall.locator('#hang-up').click();
    await expect.poll(() => call.agentCall.evaluate(() => document.body.dataset.callState), { timeout: 10_000 }).toBe('ended');
    // Composition runs after the call ends, in the background: wait for it to settle.
    const recordingOf = async () =>
      (await harness.parley.database.db.select().from(recordings).where(eq(recordings.callId, call.row.id)))[0];
    await expect.poll(async () => (await recordingOf())?.state, { timeout: 30_000, interval: 250 }).toMatch(/ready|failed/);
    const recording = await recordingOf();
    expect(recording).toMatchObject({ state: 'ready', error: null });
    const probe = JSON.parse(
      execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', join(harness.dataDir, recording!.file!)], { encoding: 'utf8' }),
    ) as { streams: { codec_type: string }[]; format: { duration: string } };
    expect(probe.streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'video']);
    expect(Number(probe.format.duration)).toBeGreaterThanOrEqual(3);
    await Promise.all(call.contexts.map((c) => c.close()));
  });
});
