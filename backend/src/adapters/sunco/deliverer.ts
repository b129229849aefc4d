/**
 * Delivers outbox `sunco.message` rows into Zendesk messaging conversations.
 *
 * Post Message has no idempotency key, and the outbox cannot tell whether a request
 * that timed out (or was in flight when a worker died) reached SunCo. So every message
 * carries a reference derived from the outbox key in its metadata, and whenever an
 * earlier attempt may have landed (`attempts > 0`) the conversation's most recent
 * page is read first: a message with the reference counts as delivered. A conversation
 * that received a whole page of messages between two attempts can still get a
 * duplicate; for a consent invitation that is a repeated message, not a second decision.
 */
import { createHash } from 'node:crypto';
import type { DeliveryResult, OutboxDeliverer, OutboxEnvelope } from '../../ports/outbox-delivery.js';
import { VendorHttpError, VendorUnreachableError } from '../http/vendor-http.js';
import { SuncoApi, SuncoConfigError, SuncoResponseError } from './api.js';
import { suncoMessagePayloadSchema, type SuncoDelivererConfig, type SuncoMessage } from './types.js';

/** The metadata key that marks Parley's messages. */
export const REFERENCE_KEY = 'parleyRef';

/** `P-` and 40 bits of the key's hash: the outbox key itself never leaves Parley. */
export function messageReference(idempotencyKey: string): string {
  return `P-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 10)}`;
}

function carriesReference(message: SuncoMessage, reference: string): boolean {
  return message.author.type === 'business' && message.metadata?.[REFERENCE_KEY] === reference;
}

/** Statuses that will not change by trying again: bad request, auth, permission, missing app or conversation, redirects. */
function isPermanent(status: number): boolean {
  return status < 400 ? status >= 300 : status < 500 && status !== 408 && status !== 429;
}

/** Failures become outbox outcomes; unknown errors are thrown on, and the worker retries them. */
export function deliveryResultFor(error: unknown): DeliveryResult {
  if (error instanceof VendorHttpError) {
    if (isPermanent(error.status)) return { outcome: 'rejected', error: `SunCo ${error.message}` };
    // Only a 429 says when to come back; other retries follow the worker's backoff.
    const throttled = error.status === 429 && error.retryAfterMs !== undefined;
    return { outcome: 'retry', error: `SunCo ${error.message}`, ...(throttled ? { retryAfterMs: error.retryAfterMs } : {}) };
  }
  if (error instanceof SuncoConfigError) return { outcome: 'rejected', error: `SunCo ${error.message}` };
  if (error instanceof VendorUnreachableError || error instanceof SuncoResponseError) return { outcome: 'retry', error: `SunCo ${error.message}` };
  throw error;
}

export class SuncoMessageDeliverer implements OutboxDeliverer<'sunco.message'> {
  private readonly api: SuncoApi;

  constructor(private readonly config: SuncoDelivererConfig) {
    this.api = new SuncoApi(config);
  }

  async deliver(message: OutboxEnvelope<'sunco.message'>): Promise<DeliveryResult> {
    const payload = suncoMessagePayloadSchema.safeParse(message.payload);
    if (!payload.success) {
      return { outcome: 'rejected', error: `payload is not a messaging message (${payload.error.issues[0]?.path.join('.') ?? '?'})` };
    }
    const { conversationId, text, actions } = payload.data;
    const reference = messageReference(message.idempotencyKey);
    try {
      const baseUrl = await this.config.baseUrlFor(message.tenantId);
      if (message.attempts > 0) {
        const recent = await this.api.recentMessages(baseUrl, conversationId);
        if (recent.some((m) => carriesReference(m, reference))) return { outcome: 'delivered' };
      }
      await this.api.postMessage(baseUrl, conversationId, {
        author: { type: 'business' },
        content: { type: 'text', text, ...(actions?.length ? { actions } : {}) },
        metadata: { [REFERENCE_KEY]: reference },
      });
      return { outcome: 'delivered' };
    } catch (error) {
      return deliveryResultFor(error);
    }
  }
}
