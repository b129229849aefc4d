import { createTicker } from '../ticker.js';
import { findDueDsarRequests } from './claim.js';
import { runDsarJob, type DsarJobOutcome, type DsarWorkerDeps } from './run-request.js';

export interface DsarWorker {
  /** Takes up work a previous run left at once, then polls until stopped. */
  start(): Promise<void>;
  /** A hint that a request was just received; the poll finds it anyway. */
  nudge(): void;
  stop(): Promise<void>;
  /** Works every request due now once, one after another; for tests and the CLI. */
  drain(): Promise<Map<string, DsarJobOutcome>>;
}

/**
 * Works data-subject requests, one at a time per instance; several instances share them through
 * leases in the database, so no request is worked twice at once.
 */
export function createDsarWorker(deps: DsarWorkerDeps, options: { pollIntervalMs: number }): DsarWorker {
  let stopped = true;
  // The drain in progress, whoever started it (start, the ticker, a nudge, a caller of drain):
  // there is never a second, so this worker never works one request twice at once.
  let running: Promise<Map<string, DsarJobOutcome>> | undefined;

  const drainDue = async () => {
    const outcomes = new Map<string, DsarJobOutcome>();
    for (const id of await findDueDsarRequests(deps.db, (deps.now ?? (() => new Date()))(), 100)) {
      outcomes.set(id, await runDsarJob(deps, id));
    }
    return outcomes;
  };
  const begin = () => {
    const run = drainDue().finally(() => {
      if (running === run) running = undefined;
    });
    running = run;
    return run;
  };
  /** Joins the drain in progress rather than starting another; what it misses, the next poll finds. */
  const poll = async (): Promise<void> => {
    await (running ?? begin());
  };
  const warn = (error: unknown) => deps.logger.warn({ err: error }, 'data-subject request poll failed');
  const ticker = createTicker(poll, options.pollIntervalMs, warn);

  return {
    async start() {
      stopped = false;
      await poll().catch(warn);
      ticker.start();
    },
    nudge() {
      if (stopped) return;
      void poll().catch(warn);
    },
    async stop() {
      stopped = true;
      await ticker.stop();
      await running?.catch(() => undefined);
    },
    async drain() {
      // Waits its turn, then starts afresh: a drain begun earlier may have missed requests due now.
      while (running) await running.catch(() => undefined);
      return begin();
    },
  };
}
