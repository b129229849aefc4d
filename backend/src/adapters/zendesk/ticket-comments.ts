/**
 * Delivers outbox ticket comments (internal notes and public replies) to Zendesk.
 *
 * Exactly once across a crash: the outbox guarantees at-least-once, and cannot tell
 * whether a request that was in flight when a worker died (or timed out) reached
 * Zendesk. Update Ticket has no idempotency key, so the comment carries its own: the
 * body ends with a reference line derived from the outbox idempotency key
 * (`Ref: P-` + the first 10 hex digits of its SHA-256, so the key itself never
 * shows in the ticket). Whenever an earlier attempt may have reached Zendesk
 * (`attempts > 0`), the ticket's comments are read first and a comment that already
 * carries the reference counts as delivered. First attempts skip the read, so the
 * normal path costs one request.
 *
 * The remaining window: an earlier attempt still in flight while the next one reads
 * the comments. The worker's lease, much longer than `timeoutMs`, keeps that apart.
 */
import { createHash } from 'node:crypto';
import type { DeliveryResult, OutboxDeliverer, OutboxEnvelope } from '../../ports/outbox-delivery.js';
import { VendorHttpError, VendorUnreachableError } from '../http/vendor-http.js';
import { ZendeskApi, ZendeskResponseError } from './api.js';
import { ticketCommentPayloadSchema, type ZendeskComment, type ZendeskDelivererConfig } from './types.js';

/** `P-` and 40 bits of the key's hash: unique enough among one ticket's comments, short enough to ignore. */
export function commentReference(idempotencyKey: string): string {
  return `P-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 10)}`;
}

export function bodyWithReference(body: string, idempotencyKey: string): string {
  return `${body.trimEnd()}\n\nRef: ${commentReference(idempotencyKey)}`;
}

/** The reference line Parley ends its notes with, if the comment's last line is one. */
export function parleyReference(comment: Pick<ZendeskComment, 'body' | 'plain_body'>): string | null {
  for (const text of [comment.body, comment.plain_body]) {
    const match = typeof text === 'string' ? /(?:^|\n)Ref: (P-[0-9a-f]{10})\s*$/.exec(text) : null;
    if (match) return match[1]!;
  }
  return null;
}

/** Zendesk may re-render the body (markdown, HTML); the reference survives in one of them. */
export function carriesReference(comment: ZendeskComment, reference: string): boolean {
  const line = `Ref: ${reference}`;
  return [comment.body, comment.plain_body, comment.html_body].some((text) => typeof text === 'string' && text.includes(line));
}

/** Statuses that will not change by trying again: auth, permission, missing ticket, invalid or closed ticket, redirects. */
function isPermanent(status: number): boolean {
  return status < 400 ? status >= 300 : status < 500 && status !== 408 && status !== 409 && status !== 429;
}

/** Failures become outbox outcomes; unknown errors are thrown on, and the worker retries them. */
export function deliveryResultFor(error: unknown): DeliveryResult {
  if (error instanceof VendorHttpError) {
    if (isPermanent(error.status)) return { outcome: 'rejected', error: `Zendesk ${error.message}` };
    // Only a 429 is certain to be refused unprocessed, which is what retryAfterMs tells
    // the worker; a 503's Retry-After is left to the worker's own backoff.
    const throttled = error.status === 429 && error.retryAfterMs !== undefined;
    return { outcome: 'retry', error: `Zendesk ${error.message}`, ...(throttled ? { retryAfterMs: error.retryAfterMs } : {}) };
  }
  if (error instanceof VendorUnreachableError || error instanceof ZendeskResponseError) {
    return { outcome: 'retry', error: `Zendesk ${error.message}` };
  }
  throw error;
}

export class ZendeskTicketCommentDeliverer implements OutboxDeliverer<'zendesk.ticket_comment'> {
  private readonly api: ZendeskApi;

  constructor(private readonly config: ZendeskDelivererConfig) {
    this.api = new ZendeskApi(config);
  }

  async deliver(message: OutboxEnvelope<'zendesk.ticket_comment'>): Promise<DeliveryResult> {
    const payload = ticketCommentPayloadSchema.safeParse(message.payload);
    if (!payload.success) {
      return { outcome: 'rejected', error: `payload is not a ticket comment (${payload.error.issues[0]?.path.join('.') ?? '?'})` };
    }
    const { ticketId } = payload.data;
    const baseUrl = await this.config.baseUrlFor(message.tenantId);
    const reference = commentReference(message.idempotencyKey);
    try {
      if (message.attempts > 0 && (await this.alreadyOnTicket(baseUrl, ticketId, reference))) return { outcome: 'delivered' };
      await this.api.addComment(baseUrl, ticketId, { body: bodyWithReference(payload.data.body, message.idempotencyKey), public: payload.data.public });
      return { outcome: 'delivered' };
    } catch (error) {
      return deliveryResultFor(error);
    }
  }

  private async alreadyOnTicket(baseUrl: string, ticketId: string, reference: string): Promise<boolean> {
    for await (const comments of this.api.commentPages(baseUrl, ticketId)) {
      if (comments.some((comment) => carriesReference(comment, reference))) return true;
    }
    return false;
  }
}
