import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calls, meetingTypes } from '../../backend/src/db/schema/index.js';
import { rawRecordingDir } from '../../backend/src/services/recordings/raw-dir.js';
import { parseMjrHeader } from '../../media/recording/mjr.js';
import { clearPrefixLength, decodeHeader, type MediaKind } from '../../plugin/src/call/e2ee/sframe.js';
import { api, remoteVideoAdvances, startHarness, waitForRemoteVideo, type Harness } from './harness.js';

/** Run in a page before its scripts: this browser offers no way to reach encoded frames. */
const WITHOUT_ENCODED_TRANSFORMS = `
  delete window.RTCRtpScriptTransform;
  delete RTCRtpSender.prototype.transform;
  delete RTCRtpSender.prototype.createEncodedStreams;
  delete RTCRtpReceiver.prototype.createEncodedStreams;
`;
/** Only the older createEncodedStreams API, as in Chromium before RTCRtpScriptTransform shipped. */
const ONLY_ENCODED_STREAMS = `
  delete window.RTCRtpScriptTransform;
  delete RTCRtpSender.prototype.transform;
`;

/** RTP payloads of an .mjr (MJR00002: after the info block, `MEET` + u32 time + u16 length + RTP packet), in sequence order. */
function rtpPayloads(bytes: Buffer): Buffer[] {
  const packets: { seq: number; payload: Buffer }[] = [];
  let at = 10 + bytes.readUInt16BE(8);
  while (at + 10 <= bytes.length && bytes.subarray(at, at + 4).toString('latin1') === 'MEET') {
    const length = bytes.readUInt16BE(at + 8);
    const rtp = bytes.subarray(at + 10, at + 10 + length);
    at += 10 + length;
    let offset = 12 + 4 * (rtp[0]! & 0x0f);
    if (rtp[0]! & 0x10) offset += 4 + 4 * rtp.readUInt16BE(offset + 2);
    const padding = rtp[0]! & 0x20 ? rtp[rtp.length - 1]! : 0;
    packets.push({ seq: rtp.readUInt16BE(2), payload: rtp.subarray(offset, rtp.length - padding) });
  }
  // A retransmitted packet is recorded again under its sequence number: keep one.
  const unique = [...new Map(packets.map((p) => [p.seq, p])).values()];
  // Sequence numbers start anywhere and wrap at 2^16: order them from the first one recorded.
  const first = packets[0]?.seq ?? 0;
  return unique.sort((a, b) => ((a.seq - first + 65_536) % 65_536) - ((b.seq - first + 65_536) % 65_536)).map((p) => p.payload);
}

/** The VP8 payload of each packet that starts a frame (RFC 7741 payload descriptor: S bit set, partition 0). */
function vp8FrameStarts(payloads: Buffer[]): Buffer[] {
  const starts: Buffer[] = [];
  for (const payload of payloads) {
    const first = payload[0]!;
    if (!(first & 0x10) || (first & 0x07) !== 0) continue;
    let at = 1;
    if (first & 0x80) {
      const extension = payload[at++]!;
      if (extension & 0x80) at += payload[at]! & 0x80 ? 2 : 1;
      if (extension & 0x40) at += 1;
      if (extension & 0x30) at += 1;
    }
    starts.push(payload.subarray(at));
  }
  return starts;
}

interface JoinedCall {
  callId: string;
  agentPage: Page;
  customerPage: Page;
  agentSession: string;
  contexts: BrowserContext[];
}

describe('end-to-end encrypted calls (Janus + Chromium)', () => {
  let harness: Harness;
  let agentToken: string;
  let ticket = 7100;

  beforeAll(async () => {
    harness = await startHarness({ janusNodes: 1 });
    const session = await api<{ token: string }>(harness, 'POST', '/api/demo/session', { body: { accountId: 'e2ee', userId: '1', name: 'Dana Agent' } });
    agentToken = session.body.token;
    const types = await api<{ meetingTypes: { id: string; key: string; recordingPolicy: string }[] }>(harness, 'GET', '/api/meeting-types', { token: agentToken });
    const support = types.body.meetingTypes.find((t) => t.key === 'support')!;
    expect(support.recordingPolicy).toBe('forbidden');
    // What an admin does in the console: the unrecorded "Support call" becomes end-to-end encrypted.
    await harness.parley.database.db.update(meetingTypes).set({ e2ee: true }).where(eq(meetingTypes.id, support.id));
  });
  afterAll(async () => {
    await harness?.close();
  });

  async function escalate(): Promise<{ callId: string; agentLink: string; consentLink: string }> {
    const types = await api<{ meetingTypes: { id: string; key: string; e2ee: boolean }[] }>(harness, 'GET', '/api/meeting-types', { token: agentToken });
    const support = types.body.meetingTypes.find((t) => t.key === 'support')!;
    expect(support.e2ee).toBe(true);
    ticket += 1;
    const res = await api<{ call: { id: string }; links: { customer: string; agent: string } }>(harness, 'POST', '/api/calls', {
      token: agentToken,
      body: { meetingTypeId: support.id, case: { host: 'zendesk', externalId: String(ticket) }, customer: { externalId: `c-${ticket}`, displayName: 'Alex Customer', locale: 'en' } },
    });
    expect(res.status).toBe(201);
    return { callId: res.body.call.id, agentLink: res.body.links.agent, consentLink: res.body.links.customer };
  }

  async function openPage(initScript?: string): Promise<{ page: Page; context: BrowserContext }> {
    const context = await harness.browser.newContext();
    if (initScript) await context.addInitScript(initScript);
    return { page: await context.newPage(), context };
  }

  /** The customer reads the notice and accepts; the consent page leads to the join page. */
  async function acceptAsCustomer(page: Page, consentLink: string): Promise<void> {
    await page.goto(consentLink);
    await page.locator('button[name=join][value=true]').click();
    await page.waitForURL(/\/j\/[\w-]+(\?lang=[a-z]{2})?$/);
  }

  async function joinedCall(options: { customerScript?: string; agentScript?: string } = {}): Promise<JoinedCall> {
    const { callId, agentLink, consentLink } = await escalate();
    const agent = await openPage(options.agentScript);
    const customer = await openPage(options.customerScript);
    await agent.page.goto(agentLink);
    await acceptAsCustomer(customer.page, consentLink);
    const granted = agent.page.waitForResponse((r) => /\/api\/join\/[\w-]+$/.test(r.url()) && r.status() === 200);
    await agent.page.locator('#join-call').click();
    const agentSession = ((await (await granted).json()) as { session: string }).session;
    await customer.page.locator('#join-call').click();
    await Promise.all([waitForRemoteVideo(agent.page, 20_000), waitForRemoteVideo(customer.page, 20_000)]);
    return { callId, agentPage: agent.page, customerPage: customer.page, agentSession, contexts: [agent.context, customer.context] };
  }

  async function safetyCodes(call: JoinedCall): Promise<string[]> {
    for (const page of [call.agentPage, call.customerPage]) {
      await expect.poll(() => page.getByTestId('e2ee-status').isVisible(), { timeout: 10_000 }).toBe(true);
    }
    return Promise.all([call.agentPage, call.customerPage].map(async (page) => (await page.getByTestId('safety-code').textContent())!.trim()));
  }

  async function hangUp(call: JoinedCall): Promise<void> {
    await call.agentPage.locator('#hang-up').click().catch(() => {});
    await Promise.all(call.contexts.map((c) => c.close()));
  }

  it('shows live video both ways, "End-to-end encrypted" and the same safety code on both pages', async () => {
    const call = await joinedCall();
    expect(await remoteVideoAdvances(call.agentPage)).toBe(true);
    expect(await remoteVideoAdvances(call.customerPage)).toBe(true);
    const [agentCode, customerCode] = await safetyCodes(call);
    expect(agentCode).toMatch(/^[a-z]+( [a-z]+){4}$/);
    expect(customerCode).toBe(agentCode);
    for (const page of [call.agentPage, call.customerPage]) {
      expect(await page.getByTestId('e2ee-status').textContent()).toBe('End-to-end encrypted');
      await expect.poll(() => page.getByTestId('call-status').textContent()).toBe('Connected');
    }
    await hangUp(call);
  });

  it('stops claiming encryption when the other person drops out, and agrees new keys and a new code when their page rejoins once back online', async () => {
    const call = await joinedCall();
    const [before] = await safetyCodes(call);

    await call.customerPage.context().setOffline(true);
    // The page reacts once the browser has been offline for 3 s, not when the gateway's long poll runs out (30 s).
    await expect.poll(() => call.customerPage.locator('#join-call').textContent(), { timeout: 10_000 }).toBe('Reconnect');
    expect(await call.customerPage.getByTestId('e2ee').isVisible()).toBe(false);
    await expect.poll(() => call.agentPage.getByTestId('e2ee').isVisible(), { timeout: 30_000 }).toBe(false);

    // Back online, the page goes back in by itself, as the customer would with Reconnect.
    await call.customerPage.context().setOffline(false);
    await Promise.all([waitForRemoteVideo(call.agentPage, 20_000), waitForRemoteVideo(call.customerPage, 20_000)]);
    const [agentCode, customerCode] = await safetyCodes(call);
    expect(customerCode).toBe(agentCode);
    expect(agentCode).not.toBe(before);
    expect(await remoteVideoAdvances(call.agentPage)).toBe(true);
    await hangUp(call);
  });

  it('keeps a forced server-side recording to encrypted frames only, and Parley refuses to record', async () => {
    const call = await joinedCall();
    await safetyCodes(call);

    // Parley's own policy: nobody may switch recording on for this meeting type.
    const refused = await api<{ error: { code: string } }>(harness, 'POST', `/api/calls/${call.callId}/recording`, { token: call.agentSession, body: { on: true } });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('RECORDING_NOT_OPTIONAL');

    // The deliberate attack: someone holding the room secret asks Janus itself to record.
    const [row] = await harness.parley.database.db.select().from(calls).where(eq(calls.id, call.callId));
    expect(row!.recordingActive).toBe(false);
    const room = { nodeId: row!.mediaNodeId, roomId: row!.mediaRoomId, secret: row!.mediaRoomSecret };
    const dir = rawRecordingDir(harness.dataDir, call.callId);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    try {
      await harness.parley.gateway.setRecording(room, true);
      await call.agentPage.waitForTimeout(3000);
      await harness.parley.gateway.setRecording(room, false);
      // Janus renames a file to .mjr once it has closed it.
      await expect.poll(() => readdirSync(dir).filter((f) => /-(audio|video)-\d+\.mjr$/.test(f)).length, { timeout: 10_000 }).toBe(4);

      const files = readdirSync(dir).filter((f) => /-(audio|video)-\d+\.mjr$/.test(f));
      for (const file of files) {
        const bytes = readFileSync(join(dir, file));
        const header = parseMjrHeader(bytes, file)!;
        // Janus marks what it was told is end-to-end encrypted, and its converter refuses it.
        expect({ file, encrypted: header.encrypted }).toEqual({ file, encrypted: true });
        const converted = spawnSync('janus-pp-rec', [join(dir, file), join(dir, `${file}.${header.kind === 'audio' ? 'opus' : 'webm'}`)], { encoding: 'utf8' });
        expect({ file, status: converted.status, refused: /end-to-end encrypted/i.test(converted.stdout + converted.stderr) }).toEqual({ file, status: 1, refused: true });

        // Every frame in the file is a sealed one: an SFrame header after the clear codec bytes, counters rising one per frame.
        const frames = header.kind === 'audio' ? rtpPayloads(bytes) : vp8FrameStarts(rtpPayloads(bytes));
        const counters = frames.map((frame) => decodeHeader(frame, clearPrefixLength(header.kind as MediaKind, header.kind === 'video' ? 'video/VP8' : 'audio/opus', frame))?.ctr ?? null);
        expect(counters.length).toBeGreaterThan(header.kind === 'audio' ? 50 : 20);
        expect({ file, inOrder: counters.every((ctr, i) => ctr !== null && (i === 0 || ctr > counters[i - 1]!)) }).toEqual({ file, inOrder: true });
        expect(counters.at(-1)! - counters[0]!).toBeLessThan(2 * counters.length);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // The call itself carried on, still encrypted.
    expect(await remoteVideoAdvances(call.customerPage)).toBe(true);
    await expect.poll(() => call.customerPage.getByTestId('e2ee-status').isVisible()).toBe(true);
    await hangUp(call);
  });

  it('is refused by Janus when a browser publishes without declaring end-to-end encryption', async () => {
    const { consentLink } = await escalate();
    const customer = await openPage();
    await acceptAsCustomer(customer.page, consentLink);
    // A tampered page: its offer to Janus no longer says the media is end-to-end encrypted.
    let stripped = 0;
    await customer.page.route(/\/janus\//, async (route) => {
      const body = route.request().postData();
      if (route.request().method() !== 'POST' || !body?.includes('"e2ee":true')) return route.continue();
      const message = JSON.parse(body) as { jsep?: Record<string, unknown> };
      delete message.jsep?.e2ee;
      stripped += 1;
      return route.continue({ postData: JSON.stringify(message) });
    });
    const refusals: string[] = [];
    customer.page.on('response', async (response) => {
      if (!/\/janus\//.test(response.url()) || response.request().method() !== 'GET') return;
      const text = await response.text().catch(() => '');
      if (text.includes('error_code')) refusals.push(text);
    });
    await customer.page.locator('#join-call').click();
    await expect.poll(() => customer.page.getByTestId('call-error').isVisible(), { timeout: 15_000 }).toBe(true);
    expect(stripped).toBeGreaterThan(0);
    // The page may show the error before this listener has read the same response's body.
    await expect.poll(() => refusals.join('\n')).toMatch(/"error_code":433,"error":"Room requires end-to-end encrypted media"/);
    expect(await customer.page.evaluate(() => document.body.dataset.callState)).toBe('failed');
    await customer.context.close();
  });

  it('encrypts with createEncodedStreams where the browser has no RTCRtpScriptTransform', async () => {
    const call = await joinedCall({ agentScript: ONLY_ENCODED_STREAMS, customerScript: ONLY_ENCODED_STREAMS });
    expect(await call.agentPage.evaluate(() => typeof (window as { RTCRtpScriptTransform?: unknown }).RTCRtpScriptTransform)).toBe('undefined');
    const [agentCode, customerCode] = await safetyCodes(call);
    expect(customerCode).toBe(agentCode);
    expect(await remoteVideoAdvances(call.agentPage)).toBe(true);
    await hangUp(call);
  });

  it('refuses to join from a browser that cannot encrypt, and leaves the link unspent for another browser', async () => {
    const { agentLink } = await escalate();
    const { page, context } = await openPage(WITHOUT_ENCODED_TRANSFORMS);
    const redeemed: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && /\/api\/join\//.test(request.url())) redeemed.push(request.url());
    });
    await page.goto(agentLink);
    await page.locator('#join-call').click();
    await expect.poll(() => page.getByTestId('call-error').textContent(), { timeout: 10_000 }).toMatch(/end-to-end encrypted, and this browser cannot encrypt calls/);
    expect(await page.getByTestId('e2ee').isVisible()).toBe(false);
    expect(await page.getByTestId('stage').isVisible().catch(() => false)).toBe(false);
    expect(redeemed).toEqual([]);

    // The same link still works in a browser that can encrypt.
    const token = new URL(agentLink).pathname.split('/').pop()!;
    expect((await api(harness, 'POST', '/api/join-encryption', { body: { token } })).body).toEqual({ e2ee: true });
    const redeem = await api(harness, 'POST', `/api/join/${token}`);
    expect(redeem.status).toBe(200);
    // Asking again after the link was used answers as redeeming it would.
    const again = await api<{ error: { code: string } }>(harness, 'POST', '/api/join-encryption', { body: { token } });
    expect([again.status, again.body.error.code]).toEqual([409, 'TOKEN_USED']);
    await context.close();
  });
});
