import { escalateFromDemo, openAsCustomer, startHarness } from '../e2e/harness.js';
import { median } from './load.js';

export const FIRST_FRAME_RUNS = 5;

export interface FirstFrameRun {
  ms: number;
  /** requestVideoFrameCallback when it fired; the poll is a fallback only. */
  via: 'requestVideoFrameCallback' | 'poll';
  /** How much earlier the poll saw videoWidth > 0 than the frame was presented (ms). */
  pollLeadMs: number | null;
}

export interface FirstFrameFigures {
  runs: FirstFrameRun[];
  medianMs: number;
  chromium: string;
}

interface Probe {
  presented: number | null;
  sized: number | null;
}

declare global {
  interface Window {
    benchFirstFrame?: Probe;
  }
}

const PROBE_TIMEOUT_MS = 15_000;

/**
 * Armed in the agent's call page before the customer clicks. The call view swaps
 * #remote-video's srcObject on every track change, so the frame callback is re-armed
 * on each new source; the poll only covers a Chromium that never calls it back.
 * Kept as source text: the TypeScript loader would wrap a function in helpers the page lacks.
 */
const installProbe = `(() => {
  const video = document.querySelector('#remote-video');
  const probe = { presented: null, sized: null };
  window.benchFirstFrame = probe;
  const arm = () =>
    video.requestVideoFrameCallback(() => {
      if (probe.presented === null && video.videoWidth > 0) probe.presented = Date.now();
      else if (probe.presented === null) arm();
    });
  arm();
  video.addEventListener('loadstart', arm);
  const poll = setInterval(() => {
    if (probe.sized === null && video.videoWidth > 0) probe.sized = Date.now();
    if (probe.presented !== null) clearInterval(poll);
  }, 5);
})()`;

/** Customer clicks Join → the agent's page presents the customer's first video frame. */
export async function benchFirstFrame(runs = FIRST_FRAME_RUNS): Promise<FirstFrameFigures> {
  const harness = await startHarness({ janusNodes: 1 });
  const results: FirstFrameRun[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const call = await escalateFromDemo(harness, 'Support call');
      try {
        const customer = await openAsCustomer(harness, call);
        await call.agentCall.locator('#join-call').click();
        await call.agentCall.waitForFunction(() => document.body.dataset.callState === 'joined', undefined, { timeout: PROBE_TIMEOUT_MS });
        await call.agentCall.evaluate(installProbe);
        const join = customer.locator('#join-call');
        await join.waitFor({ state: 'visible' });

        const t0 = Date.now();
        await join.click();
        const presented = await call.agentCall
          .waitForFunction(() => window.benchFirstFrame?.presented ?? null, undefined, { timeout: PROBE_TIMEOUT_MS, polling: 50 })
          .then((handle) => handle.jsonValue() as Promise<number>)
          .catch(() => null);
        const sized = await call.agentCall.evaluate(() => window.benchFirstFrame?.sized ?? null);
        if (presented === null && sized === null) throw new Error(`run ${i + 1}: no remote video frame within ${PROBE_TIMEOUT_MS} ms`);
        results.push({
          ms: (presented ?? sized!) - t0,
          via: presented !== null ? 'requestVideoFrameCallback' : 'poll',
          pollLeadMs: presented !== null && sized !== null ? presented - sized : null,
        });
        // Hang up so the room is destroyed and the next run starts from an idle Janus.
        await call.agentCall.locator('#hang-up').click({ timeout: 5000 }).catch(() => {});
        await call.agentCall
          .waitForFunction(() => document.body.dataset.callState === 'ended', undefined, { timeout: 5000 })
          .catch(() => {});
      } finally {
        await Promise.all(call.contexts.map((context) => context.close()));
      }
    }
    return { runs: results, medianMs: median(results.map((r) => r.ms)), chromium: harness.browser.version() };
  } finally {
    await harness.close();
  }
}
