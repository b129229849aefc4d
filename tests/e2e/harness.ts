import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import pino from 'pino';
import { inject } from 'vitest';
import { loadConfig } from '../../backend/src/config.js';
import { startParley, type RunningParley } from '../../backend/src/server.js';

/** Flags that make a real call work in headless Debian Chromium with fake camera and microphone. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--autoplay-policy=no-user-gesture-required',
];

export interface Harness {
  parley: RunningParley;
  browser: Browser;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * The whole product as `npm start` runs it — embedded database, managed Janus
 * nodes, demo page — inside the test's network namespace, plus one Chromium.
 */
export async function startHarness(options: { janusNodes?: number; env?: Record<string, string> } = {}): Promise<Harness> {
  const iceInterface = process.env.PARLEY_E2E_ICE_INTERFACE;
  if (!iceInterface) throw new Error('Run the end-to-end suite through tests/e2e/in-network-namespace.mjs (npm run test:e2e).');
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-'));
  // Under vitest, start from the run's migrated database (see global-setup.ts); elsewhere, as a first start.
  if (process.env.VITEST) cpSync(inject('migratedDataDir'), dataDir, { recursive: true });
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    PARLEY_DATA_DIR: dataDir,
    PARLEY_DEMO: '1',
    PARLEY_FAKE_VENDORS: '1',
    OUTBOX_POLL_INTERVAL_MS: '100',
    MEDIA_LOSS_GRACE_MS: '3000',
    JANUS_MODE: 'managed',
    JANUS_MANAGED_NODES: String(options.janusNodes ?? 2),
    JANUS_BIND_ADDRESS: '0.0.0.0',
    JANUS_PUBLIC_HOST: '127.0.0.1',
    JANUS_ICE_INTERFACE: iceInterface,
    LOG_LEVEL: 'warn',
    // A suite may add settings, e.g. Zendesk sign-in pointed at its own fake Zendesk.
    ...options.env,
  });
  const parley = await startParley(config, { logger: pino({ level: process.env.PARLEY_E2E_LOG ?? 'warn' }) });
  // The e2e files share one process: a Parley left running would outlive this file.
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: chromiumArgs }).catch(async (error: unknown) => {
    await parley.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });
  return {
    parley,
    browser,
    dataDir,
    async close() {
      await browser.close().catch(() => {});
      await parley.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface EscalatedCall {
  demo: Page;
  agentCall: Page;
  customerLink: string;
  contexts: BrowserContext[];
}

/** The agent's side through the demo page: pick a meeting type, escalate, send the link. */
export async function escalateFromDemo(harness: Harness, meetingTypeName: string): Promise<EscalatedCall> {
  const agentContext = await harness.browser.newContext();
  const demo = await agentContext.newPage();
  const openCalls = demo.waitForResponse((r) => r.url().includes('/my-open-calls'));
  await demo.goto(`${harness.parley.url}/demo`);
  const sidebar = demo.frameLocator('[data-testid=sidebar-frame]');
  await sidebar.getByTestId('signin-status').filter({ hasText: 'demo sign-in' }).waitFor();
  // Every demo escalation is on the same ticket: a call an earlier test left open is shown in the
  // sidebar, and the agent ends it before offering a new one, as a person would.
  await openCalls;
  if (await sidebar.locator('#call-panel').isVisible()) {
    await sidebar.getByTestId('end-call-button').click();
    await sidebar.getByTestId('sidebar-call-state').filter({ hasText: /ended/i }).waitFor();
  }
  const option = sidebar.locator('#meeting-type option', { hasText: meetingTypeName });
  await sidebar.locator('#meeting-type').selectOption((await option.getAttribute('value'))!);

  const popup = agentContext.waitForEvent('page');
  const linksBefore = await demo.getByTestId('customer-chat-link').count();
  await sidebar.locator('#escalate').click();
  const agentCall = await popup;
  // Parley posts the consent link as a public reply through (fake) Zendesk; it appears in the customer's chat.
  const link = demo.getByTestId('customer-chat-link').nth(linksBefore);
  await link.waitFor({ timeout: 10_000 });
  const customerLink = (await link.getAttribute('href'))!;
  return { demo, agentCall, customerLink, contexts: [agentContext] };
}

/**
 * The customer's side: opens the consent link in a separate browser context (as
 * on another device), reads the notice and accepts, which leads to the join page.
 * `recording` answers the separate recording question where the page asks it.
 */
export async function openAsCustomer(harness: Harness, call: EscalatedCall, options: { recording?: boolean } = {}): Promise<Page> {
  const customerContext = await harness.browser.newContext();
  call.contexts.push(customerContext);
  const page = await customerContext.newPage();
  await page.goto(call.customerLink);
  if (await page.locator('input[name=recording]').count()) {
    await page.locator('input[name=join][value=true]').check();
    await page.locator(`input[name=recording][value=${options.recording ? 'true' : 'false'}]`).check();
    await page.locator('form button[type=submit]').click();
  } else {
    await page.locator('button[name=join][value=true]').click();
  }
  await page.waitForURL(/\/j\/[\w-]+(\?lang=[a-z]{2})?$/);
  return page;
}

/** Resolves once #remote-video shows decoded frames from the other side. */
export async function waitForRemoteVideo(page: Page, timeoutMs = 10_000): Promise<void> {
  await page.waitForFunction(
    () => {
      const video = document.querySelector<HTMLVideoElement>('#remote-video');
      return !!video && video.videoWidth > 0 && video.currentTime > 0;
    },
    undefined,
    { timeout: timeoutMs, polling: 20 },
  );
}

/** The remote video keeps playing: its clock moves over one second. */
export async function remoteVideoAdvances(page: Page): Promise<boolean> {
  const read = () => page.evaluate(() => document.querySelector<HTMLVideoElement>('#remote-video')!.currentTime);
  const before = await read();
  await page.waitForTimeout(1000);
  return (await read()) > before + 0.3;
}

export async function remoteVideoSize(page: Page): Promise<{ width: number; height: number }> {
  return page.evaluate(() => {
    const video = document.querySelector<HTMLVideoElement>('#remote-video')!;
    return { width: video.videoWidth, height: video.videoHeight };
  });
}

/** Calls the backend's JSON API from the test, as the sidebar would. */
export async function api<T = Record<string, unknown>>(harness: Harness, method: string, path: string, init: { token?: string; body?: unknown } = {}) {
  const response = await fetch(`${harness.parley.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

/** Escalates through the API (faster than driving the sidebar) and returns both links. */
export async function escalateByApi(harness: Harness, meetingTypeKey: 'support' | 'advice' | 'consultation', ticket: number) {
  const session = await api<{ token: string }>(harness, 'POST', '/api/demo/session', { body: { accountId: 'e2e', userId: '1', name: 'Dana Agent' } });
  const types = await api<{ meetingTypes: { id: string; key: string }[] }>(harness, 'GET', '/api/meeting-types', { token: session.body.token });
  const meetingTypeId = types.body.meetingTypes.find((t) => t.key === meetingTypeKey)!.id;
  const res = await api<{ call: { id: string }; links: { customer: string; agent: string } }>(harness, 'POST', '/api/calls', {
    token: session.body.token,
    body: { meetingTypeId, case: { host: 'zendesk', externalId: String(ticket) }, customer: { externalId: `c-${ticket}`, displayName: 'Alex Customer', locale: 'en' } },
  });
  if (res.status !== 201) throw new Error(`escalation failed: ${JSON.stringify(res.body)}`);
  return { ...res.body, agentToken: session.body.token };
}

/** The demo ticket's organization (plugin/src/demo/ticket.ts): its calls belong to that client, so only agents working for it see them. */
export const DEMO_ORGANIZATION = '360001';

/**
 * A stored recording as its viewer receives it: the demo agent asks for a playback link, the whole
 * stream is fetched through /media, and ffprobe says what it holds.
 */
export async function playedRecording(harness: Harness, recordingId: string) {
  const session = await api<{ token: string }>(harness, 'POST', '/api/demo/session', { body: { accountId: 'demo', userId: '1234', name: 'Dana Agent', organizations: [DEMO_ORGANIZATION] } });
  const playback = await api<{ streamUrl: string; viewerUrl: string; expiresAt: string }>(harness, 'POST', `/api/recordings/${recordingId}/playback`, { token: session.body.token });
  if (playback.status !== 201) throw new Error(`playback refused: ${JSON.stringify(playback.body)}`);
  const whole = await fetch(playback.body.streamUrl, { headers: { range: 'bytes=0-' } });
  const bytes = Buffer.from(await whole.arrayBuffer());
  const played = join(harness.dataDir, '..', `played-${recordingId}.webm`);
  await writeFile(played, bytes);
  try {
    const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', played], { encoding: 'utf8' })) as {
      streams: { codec_type: string }[];
      format: { duration: string };
    };
    return { playback: playback.body, response: whole, bytes, streams: probe.streams.map((s) => s.codec_type).sort(), duration: Number(probe.format.duration) };
  } finally {
    await rm(played, { force: true });
  }
}
