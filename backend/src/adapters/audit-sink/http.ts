import type { DeliveryResult, OutboxDeliverer, OutboxEnvelope } from '../../ports/outbox-delivery.js';

export interface HttpAuditSinkOptions {
  /** http(s) URL each event is POSTed to as JSON. */
  url: string;
  /** Sent as `Authorization: Bearer …` when set. */
  token?: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

/**
 * POSTs each audit event as one JSON object. `Idempotency-Key: audit:<id>` lets the receiver drop
 * the copy a retry sends after an answer was lost (the outbox delivers at least once).
 */
export class HttpAuditSink implements OutboxDeliverer<'audit.event'> {
  private readonly fetch: typeof fetch;

  constructor(private readonly options: HttpAuditSinkOptions) {
    this.fetch = options.fetch ?? fetch;
  }

  async deliver(message: OutboxEnvelope<'audit.event'>): Promise<DeliveryResult> {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'idempotency-key': message.idempotencyKey };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    let response: Response;
    try {
      response = await this.fetch(this.options.url, {
        method: 'POST',
        headers,
        body: JSON.stringify(message.payload),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      await response.arrayBuffer();
    } catch (error) {
      return { outcome: 'retry', error: `audit sink unreachable: ${(error as Error).name}` };
    }
    if (response.status >= 200 && response.status < 300) return { outcome: 'delivered' };
    const retryAfter = response.headers.get('retry-after');
    if (response.status === 429 && retryAfter && /^\d+$/.test(retryAfter.trim())) {
      return { outcome: 'retry', error: 'audit sink HTTP 429', retryAfterMs: Number(retryAfter.trim()) * 1000 };
    }
    // A 4xx other than timeout/throttling is a configuration problem (wrong URL, token): it will not heal by itself.
    if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
      return { outcome: 'rejected', error: `audit sink HTTP ${response.status}` };
    }
    return { outcome: 'retry', error: `audit sink HTTP ${response.status}` };
  }
}
