import { existsSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import type { BrowserContext, Page } from 'playwright-core';
import { meetingTypes } from '../../backend/src/db/schema/index.js';
import { api, startHarness, waitForRemoteVideo, type Harness } from '../e2e/harness.js';
import { median } from './load.js';

/**
 * What end-to-end encryption costs a call, measured against the same call unencrypted in the
 * same run: join → first remote frame (both people's keys must be agreed and a key frame must
 * arrive before anything shows) and frames per second received once the call runs.
 */

export const E2EE_PART = 'e2ee';
export const E2EE_FIRST_FRAME_RUNS = 5;
export const E2EE_FPS_SECONDS = 30;
export const E2EE_GOALS = { firstFrameRatio: 1.2, fpsLossPercent: 5 };

type Mode = 'plain' | 'e2ee';

export interface E2eeFigures {
  firstFrameMs: Record<Mode, number[]>;
  firstFrameMedianMs: Record<Mode, number>;
  firstFrameRatio: number;
  /** Frames presented per second in #remote-video, both pages averaged, over E2EE_FPS_SECONDS. */
  fps: Record<Mode, number>;
  fpsLossPercent: number;
  chromium: string;
}

const PROBE_TIMEOUT_MS = 20_000;

/** As in first-frame.ts: the moment the agent's page presents the customer's first video frame. */
const installProbe = `(() => {
  const video = document.querySelector('#remote-video');
  const probe = { presented: null };
  window.benchE2eeFirstFrame = probe;
  const arm = () =>
    video.requestVideoFrameCallback(() => {
      if (probe.presented === null && video.videoWidth > 0) probe.presented = Date.now();
      else if (probe.presented === null) arm();
    });
  arm();
  video.addEventListener('loadstart', arm);
})()`;

interface Call {
  agent: Page;
  customer: Page;
  contexts: BrowserContext[];
}

class E2eeBench {
  private token = '';
  private meetingTypeId = '';
  private ticket = 9000;

  constructor(private readonly harness: Harness) {}

  async prepare(): Promise<void> {
    const session = await api<{ token: string }>(this.harness, 'POST', '/api/demo/session', { body: { accountId: 'bench-e2ee', userId: '1', name: 'Dana Agent' } });
    this.token = session.body.token;
    const types = await api<{ meetingTypes: { id: string; key: string }[] }>(this.harness, 'GET', '/api/meeting-types', { token: this.token });
    this.meetingTypeId = types.body.meetingTypes.find((t) => t.key === 'support')!.id;
  }

  /** The same unrecorded meeting type, encrypted or not: the only difference between the two calls. */
  private async escalate(mode: Mode): Promise<{ agent: string; customer: string }> {
    await this.harness.parley.database.db.update(meetingTypes).set({ e2ee: mode === 'e2ee' }).where(eq(meetingTypes.id, this.meetingTypeId));
    this.ticket += 1;
    const res = await api<{ links: { agent: string; customer: string } }>(this.harness, 'POST', '/api/calls', {
      token: this.token,
      body: { meetingTypeId: this.meetingTypeId, case: { host: 'zendesk', externalId: String(this.ticket) }, customer: { externalId: `c-${this.ticket}`, locale: 'en' } },
    });
    if (res.status !== 201) throw new Error(`escalation failed: ${JSON.stringify(res.body)}`);
    return res.body.links;
  }

  /** Agent joined and waiting, customer on the join page: the next click is the one measured. */
  private async prepareCall(mode: Mode): Promise<Call> {
    const links = await this.escalate(mode);
    const contexts = [await this.harness.browser.newContext(), await this.harness.browser.newContext()];
    const [agent, customer] = await Promise.all(contexts.map((c) => c.newPage()));
    await agent!.goto(links.agent);
    await agent!.locator('#join-call').click();
    await agent!.waitForFunction(() => document.body.dataset.callState === 'joined', undefined, { timeout: PROBE_TIMEOUT_MS });
    await customer!.goto(links.customer);
    await customer!.locator('button[name=join][value=true]').click();
    await customer!.waitForURL(/\/j\/[\w-]+(\?lang=[a-z]{2})?$/);
    await customer!.locator('#join-call').waitFor({ state: 'visible' });
    return { agent: agent!, customer: customer!, contexts };
  }

  private async end(call: Call): Promise<void> {
    await call.agent.locator('#hang-up').click({ timeout: 5000 }).catch(() => {});
    await call.agent.waitForFunction(() => document.body.dataset.callState === 'ended', undefined, { timeout: 5000 }).catch(() => {});
    await Promise.all(call.contexts.map((c) => c.close()));
  }

  /** An encrypted call only counts if both pages really say so; otherwise the figure would be of something else. */
  private async assertEncrypted(call: Call): Promise<void> {
    for (const page of [call.agent, call.customer]) {
      await page.getByTestId('e2ee-status').waitFor({ state: 'visible', timeout: PROBE_TIMEOUT_MS });
    }
  }

  async firstFrame(mode: Mode): Promise<number> {
    const call = await this.prepareCall(mode);
    try {
      await call.agent.evaluate(installProbe);
      const t0 = Date.now();
      await call.customer.locator('#join-call').click();
      const presented = await call.agent
        .waitForFunction(() => (window as { benchE2eeFirstFrame?: { presented: number | null } }).benchE2eeFirstFrame?.presented ?? null, undefined, {
          timeout: PROBE_TIMEOUT_MS,
          polling: 20,
        })
        .then((handle) => handle.jsonValue() as Promise<number>);
      if (mode === 'e2ee') await this.assertEncrypted(call);
      return presented - t0;
    } finally {
      await this.end(call);
    }
  }

  async framesPerSecond(mode: Mode, seconds: number): Promise<number> {
    const call = await this.prepareCall(mode);
    try {
      await call.customer.locator('#join-call').click();
      await Promise.all([waitForRemoteVideo(call.agent, PROBE_TIMEOUT_MS), waitForRemoteVideo(call.customer, PROBE_TIMEOUT_MS)]);
      if (mode === 'e2ee') await this.assertEncrypted(call);
      // Past the start-up (first key frame, bandwidth estimate ramp), as a person watching would be.
      await call.agent.waitForTimeout(3000);
      const frames = (page: Page) => page.evaluate(() => document.querySelector<HTMLVideoElement>('#remote-video')!.getVideoPlaybackQuality().totalVideoFrames);
      const before = await Promise.all([frames(call.agent), frames(call.customer)]);
      const started = Date.now();
      await call.agent.waitForTimeout(seconds * 1000);
      const after = await Promise.all([frames(call.agent), frames(call.customer)]);
      const elapsed = (Date.now() - started) / 1000;
      if (mode === 'e2ee') await this.assertEncrypted(call);
      return (after[0]! - before[0]! + after[1]! - before[1]!) / 2 / elapsed;
    } finally {
      await this.end(call);
    }
  }
}

export async function benchE2ee(log: (message: string) => void, runs = E2EE_FIRST_FRAME_RUNS, fpsSeconds = E2EE_FPS_SECONDS): Promise<E2eeFigures> {
  if (!existsSync(new URL('../../plugin/dist/call.html', import.meta.url))) throw new Error('the browser bundle is missing: run `npm run build` first');
  const harness = await startHarness({ janusNodes: 1 });
  try {
    const bench = new E2eeBench(harness);
    await bench.prepare();
    const firstFrameMs: Record<Mode, number[]> = { plain: [], e2ee: [] };
    for (let i = 0; i < runs; i++) {
      // Alternating which goes first keeps a warming or cooling machine from favouring one mode.
      for (const mode of (i % 2 === 0 ? ['plain', 'e2ee'] : ['e2ee', 'plain']) as Mode[]) {
        const ms = await bench.firstFrame(mode);
        firstFrameMs[mode].push(ms);
        log(`e2ee: first frame ${mode} run ${i + 1}: ${ms} ms`);
      }
    }
    const fps = { plain: 0, e2ee: 0 };
    for (const mode of ['plain', 'e2ee'] as Mode[]) {
      fps[mode] = await bench.framesPerSecond(mode, fpsSeconds);
      log(`e2ee: ${mode} call, ${fps[mode].toFixed(1)} frames/s received over ${fpsSeconds} s`);
    }
    const firstFrameMedianMs = { plain: median(firstFrameMs.plain), e2ee: median(firstFrameMs.e2ee) };
    return {
      firstFrameMs,
      firstFrameMedianMs,
      firstFrameRatio: firstFrameMedianMs.e2ee / firstFrameMedianMs.plain,
      fps,
      fpsLossPercent: ((fps.plain - fps.e2ee) / fps.plain) * 100,
      chromium: harness.browser.version(),
    };
  } finally {
    await harness.close();
  }
}

/** The lines a run prints; the figures go into the report by hand, this part writes no file. */
export function e2eeSummary(figures: E2eeFigures): string[] {
  const ratioOk = figures.firstFrameRatio <= E2EE_GOALS.firstFrameRatio;
  const fpsOk = figures.fpsLossPercent <= E2EE_GOALS.fpsLossPercent;
  return [
    `e2ee: join → first remote frame, median of ${figures.firstFrameMs.plain.length}: ${figures.firstFrameMedianMs.plain} ms unencrypted, ${figures.firstFrameMedianMs.e2ee} ms end-to-end encrypted (runs: ${figures.firstFrameMs.plain.join(', ')} / ${figures.firstFrameMs.e2ee.join(', ')} ms)`,
    `e2ee: frames/s received over ${E2EE_FPS_SECONDS} s: ${figures.fps.plain.toFixed(1)} unencrypted, ${figures.fps.e2ee.toFixed(1)} encrypted (Chromium ${figures.chromium})`,
    `${ratioOk ? 'PASS' : 'MISS'}      e2ee first frame ≤ ${E2EE_GOALS.firstFrameRatio}× unencrypted: ${figures.firstFrameRatio.toFixed(2)}×`,
    `${fpsOk ? 'PASS' : 'MISS'}      e2ee frame rate loss ≤ ${E2EE_GOALS.fpsLossPercent}%: ${figures.fpsLossPercent.toFixed(1)}%`,
  ];
}
