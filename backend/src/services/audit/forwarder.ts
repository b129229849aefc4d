import type { Db } from '../../db/client.js';
import type { Logger } from '../../logger.js';
import type { OutboxDeliverer } from '../../ports/outbox-delivery.js';
import { forwardOffboardingRecords } from '../offboarding/forward-records.js';
import { createOutboxWorker, type OutboxWorker, type OutboxWorkerOptions } from '../outbox/worker.js';
import { createTicker } from '../ticker.js';

/**
 * Delivers the queued copies of audit events (outbox kind `audit.event`) to the sink. It claims
 * only that kind, so it runs beside the vendor worker, and a sink that is down holds back nothing
 * but its own copies: they wait in the outbox, retried with backoff, until it answers. The closing
 * events of deleted accounts, which no outbox row can carry, go out beside them.
 */
export function createAuditForwarder(options: {
  db: Db;
  sink: OutboxDeliverer<'audit.event'>;
  logger: Logger;
  settings?: Omit<OutboxWorkerOptions, 'db' | 'deliverers' | 'logger'>;
}): OutboxWorker {
  const outbox = createOutboxWorker({ db: options.db, logger: options.logger, deliverers: { 'audit.event': options.sink }, ...options.settings });
  const backoff = { baseDelayMs: options.settings?.baseDelayMs ?? 5_000, maxDelayMs: options.settings?.maxDelayMs ?? 15 * 60_000 };
  const offboarded = () => forwardOffboardingRecords(options.db, options.sink, { backoff, logger: options.logger });
  const ticker = createTicker(
    async () => void (await offboarded()),
    options.settings?.pollIntervalMs ?? 1_000,
    (error) => options.logger.warn({ err: error }, 'forwarding offboarding records failed'),
  );
  return {
    start() {
      outbox.start();
      ticker.start();
    },
    async stop() {
      await Promise.all([outbox.stop(), ticker.stop()]);
    },
    async runOnce() {
      await offboarded();
      return outbox.runOnce();
    },
  };
}
