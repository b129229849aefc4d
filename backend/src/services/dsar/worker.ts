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
  let running: Promise<unknown> | undefined;

  const drain = async () => {
    const outcomes = new Map<string, DsarJobOutcome>();
    for (const id of await findDueDsarRequests(deps.db, (deps.now ?? (() => new Date()))(), 100)) {
      outcomes.set(id, await runDsarJob(deps, id));
    }
    return outcomes;
  };
  const poll = async (): Promise<void> => {
    running = drain();
    try {
      await running;
    } finally {
      running = undefined;
    }
  };
  const ticker = createTicker(poll, options.pollIntervalMs, (error) => deps.logger.warn({ err: error }, 'data-subject request poll failed'));

  return {
    async start() {
      stopped = false;
      await poll().catch((error: unknown) => deps.logger.warn({ err: error }, 'data-subject request poll failed'));
      ticker.start();
    },
    nudge() {
      if (stopped || running) return;
      void poll().catch((error: unknown) => deps.logger.warn({ err: error }, 'data-subject request poll failed'));
    },
    async stop() {
      stopped = true;
      await ticker.stop();
      await running;
    },
    drain,
  };
}
