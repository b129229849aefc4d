import type { Db } from '../../db/client.js';
import type { Logger } from '../../logger.js';
import type { OutboxDeliverer } from '../../ports/outbox-delivery.js';
import { createOutboxWorker, type OutboxWorker, type OutboxWorkerOptions } from '../outbox/worker.js';

/**
 * Delivers the queued copies of audit events (outbox kind `audit.event`) to the sink. It claims
 * only that kind, so it runs beside the vendor worker, and a sink that is down holds back nothing
 * but its own copies: they wait in the outbox, retried with backoff, until it answers.
 */
export function createAuditForwarder(options: {
  db: Db;
  sink: OutboxDeliverer<'audit.event'>;
  logger: Logger;
  settings?: Omit<OutboxWorkerOptions, 'db' | 'deliverers' | 'logger'>;
}): OutboxWorker {
  return createOutboxWorker({ db: options.db, logger: options.logger, deliverers: { 'audit.event': options.sink }, ...options.settings });
}
