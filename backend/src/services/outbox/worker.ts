import type { Db } from '../../db/client.js';
import type { Logger } from '../../logger.js';
import type { DeliveryResult, OutboxDeliverer, OutboxEnvelope, OutboxKind } from '../../ports/outbox-delivery.js';
import { retryDelayMs } from './backoff.js';
import { claimDueMessages, type ClaimedMessage } from './claim.js';
import { clockSql } from './clock.js';
import { settleMessage, type Settlement } from './settle.js';

export type OutboxDeliverers = { [K in OutboxKind]?: OutboxDeliverer<K> };

export interface OutboxWorkerOptions {
  db: Db;
  /** Only kinds listed here are claimed: another instance may deliver the rest. */
  deliverers: OutboxDeliverers;
  logger: Logger;
  /** Attempts before a message is dead-lettered, counting the first. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /**
   * How long a claim is exclusive. Must comfortably exceed the slowest delivery
   * (a deliverer's timeout times the requests it makes), or a slow attempt and its
   * successor can both reach the vendor.
   */
  leaseMs?: number;
  batchSize?: number;
  pollIntervalMs?: number;
  /** Absent: the database clock. */
  now?: () => Date;
  random?: () => number;
}

export interface OutboxRunCounts {
  claimed: number;
  delivered: number;
  retried: number;
  dead: number;
  /** Outcomes dropped because the lease ran out first and another worker owns the message. */
  leaseLost: number;
}

export interface OutboxWorker {
  /** Polls until stop(); a full batch is followed at once by the next claim. */
  start(): void;
  /** Stops polling and waits for deliveries in flight. */
  stop(): Promise<void>;
  /** Claims and delivers one batch. */
  runOnce(): Promise<OutboxRunCounts>;
}

export class OutboxConfigError extends Error {
  override readonly name = 'OutboxConfigError';
}

const defaults = { maxAttempts: 8, baseDelayMs: 5_000, maxDelayMs: 15 * 60_000, leaseMs: 60_000, batchSize: 20, pollIntervalMs: 1_000 };

export function createOutboxWorker(options: OutboxWorkerOptions): OutboxWorker {
  const settings = { ...defaults };
  for (const key of Object.keys(defaults) as (keyof typeof defaults)[]) {
    const value = options[key] ?? defaults[key];
    const least = key === 'maxAttempts' || key === 'batchSize' ? 1 : 0;
    if (!Number.isFinite(value) || value < least) throw new OutboxConfigError(`outbox worker: ${key} must be a number >= ${least}`);
    settings[key] = value;
  }
  const { db, logger, deliverers, now } = options;
  const random = options.random ?? Math.random;
  const kinds = Object.keys(deliverers).filter((kind) => deliverers[kind as OutboxKind] !== undefined);

  async function attempt(message: ClaimedMessage): Promise<DeliveryResult> {
    const deliverer = deliverers[message.kind as OutboxKind] as OutboxDeliverer | undefined;
    if (!deliverer) return { outcome: 'rejected', error: `no deliverer for kind ${message.kind}` };
    const envelope: OutboxEnvelope = {
      id: message.id,
      tenantId: message.tenantId,
      kind: message.kind as OutboxKind,
      idempotencyKey: message.idempotencyKey,
      payload: message.payload as OutboxEnvelope['payload'],
      // A message brought back from the dead letters starts a fresh budget, but its
      // last_error says an earlier attempt may have reached the vendor.
      attempts: Math.max(message.attempts - 1, message.lastError === null ? 0 : 1),
    };
    try {
      return await deliverer.deliver(envelope);
    } catch (error) {
      return { outcome: 'retry', error: `deliverer threw ${describeError(error)}` };
    }
  }

  function settlementFor(message: ClaimedMessage, result: DeliveryResult): Settlement {
    switch (result.outcome) {
      case 'delivered':
        return { state: 'delivered', vendorMessageId: result.vendorMessageId };
      case 'rejected':
        return { state: 'dead', error: result.error };
      case 'retry': {
        // Retry-After means throttled: refused before anything was applied. That is the
        // vendor pacing us, not the message failing, so it costs no attempt; otherwise a
        // burst of notes against a rate-limited account would dead-letter its tail.
        const throttled = result.retryAfterMs !== undefined;
        if (!throttled && message.attempts >= settings.maxAttempts) {
          return { state: 'dead', error: `gave up after ${message.attempts} attempts: ${result.error}` };
        }
        return { state: 'retry', error: result.error, throttled, delayMs: retryDelayMs(settings, message.attempts, result.retryAfterMs, random) };
      }
      default: {
        const _never: never = result;
        return _never;
      }
    }
  }

  async function handle(message: ClaimedMessage, counts: OutboxRunCounts): Promise<void> {
    // Only a crash can leave a claim unsettled; past the budget, stop feeding the
    // vendor a message that keeps taking its worker down.
    const settlement: Settlement =
      message.attempts > settings.maxAttempts
        ? { state: 'dead', error: `gave up after ${message.attempts - 1} attempts: the last one never finished (lease expired)` }
        : settlementFor(message, await attempt(message));
    const held = await settleMessage(db, message, settlement, clockSql(now));
    const fields = { messageId: message.id, tenantId: message.tenantId, kind: message.kind, attempts: message.attempts, outcome: settlement.state };
    if (!held) {
      counts.leaseLost += 1;
      logger.warn(fields, 'outbox lease lost before the attempt finished; outcome dropped');
      return;
    }
    switch (settlement.state) {
      case 'delivered':
        counts.delivered += 1;
        logger.info(fields, 'outbox message delivered');
        break;
      case 'retry':
        counts.retried += 1;
        logger.warn({ ...fields, retryInMs: settlement.delayMs, error: settlement.error }, 'outbox delivery will be retried');
        break;
      case 'dead':
        counts.dead += 1;
        logger.error({ ...fields, error: settlement.error }, 'outbox message dead-lettered');
        break;
    }
  }

  async function runOnce(): Promise<OutboxRunCounts> {
    const claimed = await claimDueMessages(db, { kinds, batchSize: settings.batchSize, leaseMs: settings.leaseMs, at: clockSql(now) });
    const counts: OutboxRunCounts = { claimed: claimed.length, delivered: 0, retried: 0, dead: 0, leaseLost: 0 };
    const settled = await Promise.allSettled(claimed.map((message) => handle(message, counts)));
    for (const [index, result] of settled.entries()) {
      // The claim stays leased; once the lease runs out another attempt picks it up.
      if (result.status === 'rejected') {
        logger.error({ messageId: claimed[index]!.id, error: describeError(result.reason) }, 'outbox outcome could not be recorded');
      }
    }
    return counts;
  }

  let loop: Promise<void> | undefined;
  let stopping = false;
  let wake: (() => void) | undefined;

  async function poll(): Promise<void> {
    while (!stopping) {
      let full = false;
      try {
        full = (await runOnce()).claimed >= settings.batchSize;
      } catch (error) {
        logger.error({ error: describeError(error) }, 'outbox poll failed');
      }
      if (full || stopping) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, settings.pollIntervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  }

  return {
    start() {
      if (loop) return;
      stopping = false;
      loop = poll();
      logger.info({ kinds, batchSize: settings.batchSize, leaseMs: settings.leaseMs }, 'outbox worker started');
    },
    async stop() {
      stopping = true;
      wake?.();
      await loop;
      loop = undefined;
    },
    runOnce,
  };
}

/**
 * Error text for logs and last_error: name and first line of the error and of its
 * cause (a database driver puts the reason there), never a stack or query parameters.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return 'non-error value thrown';
  const line = (e: Error) => `${e.name}: ${e.message.split('\n')[0]!.slice(0, 200)}`;
  return error.cause instanceof Error ? `${line(error)} (${line(error.cause)})` : line(error);
}
