/**
 * The HTTP transport under botbuilder's connector client.
 *
 * botbuilder's default pipeline retries in-process: it sleeps whatever a 429's
 * Retry-After says and retries 5xx with backoff up to 64 s, three times. Inside an
 * outbox delivery that can hold a message past the worker's lease, and a second
 * worker then sends the same card again. This transport sends once (vendorRequest)
 * and so turns every non-2xx answer and every network failure into VendorHttpError
 * or VendorUnreachableError, which the pipeline does not retry (it only retries its
 * own RestError), so the outbox decides when to try again.
 */
import type { ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { z } from 'zod';
import { vendorRequest } from '../http/vendor-http.js';

type ConnectorClientOptions = NonNullable<ConstructorParameters<typeof ConfigurationBotFrameworkAuthentication>[4]>;
export type ConnectorHttpClient = NonNullable<ConnectorClientOptions['httpClient']>;
type ConnectorRequest = Parameters<ConnectorHttpClient['sendRequest']>[0];
type ConnectorResponse = Awaited<ReturnType<ConnectorHttpClient['sendRequest']>>;
type HeadersLike = ConnectorResponse['headers'];

/** Bot Connector errors are `{ "error": { "code", "message" } }`; only the code is kept. */
const errorBodySchema = z.object({ error: z.object({ code: z.string() }) });

export function createConnectorTransport(options: { timeoutMs: number }): ConnectorHttpClient {
  return {
    async sendRequest(request: ConnectorRequest): Promise<ConnectorResponse> {
      const { status, headers, text } = await vendorRequest({
        vendor: 'Bot Connector',
        fetch: globalThis.fetch,
        method: request.method,
        url: request.url,
        body: bodyOf(request.body),
        // botbuilder has set accept, content-type and the bot's bearer token already.
        headers: request.headers.rawHeaders(),
        timeoutMs: request.timeout > 0 ? Math.min(request.timeout, options.timeoutMs) : options.timeoutMs,
        signal: request.abortSignal as AbortSignal | undefined,
        retryAfterStatuses: 'any',
        errorCode: (body) => errorBodySchema.safeParse(body).data?.error.code,
        // Teams cannot be asked whether a card arrived, so once a 2xx is in, the send counts.
        unreadableBody: 'empty',
      });
      return { request, status, headers: new ResponseHeaders(headers), bodyAsText: text };
    },
  };
}

function bodyOf(body: ConnectorRequest['body']): string | undefined {
  if (body === undefined || body === null) return undefined;
  return typeof body === 'string' ? body : JSON.stringify(body);
}

/** The header shape botbuilder's compat layer reads responses through. */
class ResponseHeaders implements HeadersLike {
  private readonly map = new Map<string, { name: string; value: string }>();

  constructor(headers?: Headers) {
    headers?.forEach((value, name) => this.set(name, value));
  }
  set(name: string, value: string | number): void {
    this.map.set(name.toLowerCase(), { name, value: String(value) });
  }
  get(name: string): string | undefined {
    return this.map.get(name.toLowerCase())?.value;
  }
  contains(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }
  remove(name: string): boolean {
    return this.map.delete(name.toLowerCase());
  }
  rawHeaders(): Record<string, string> {
    return this.toJson();
  }
  headersArray() {
    return [...this.map.values()];
  }
  headerNames(): string[] {
    return [...this.map.values()].map((h) => h.name);
  }
  headerValues(): string[] {
    return [...this.map.values()].map((h) => h.value);
  }
  clone(): ResponseHeaders {
    const copy = new ResponseHeaders();
    for (const h of this.map.values()) copy.set(h.name, h.value);
    return copy;
  }
  toJson(options: { preserveCase?: boolean } = {}): Record<string, string> {
    return Object.fromEntries([...this.map.entries()].map(([key, h]) => [options.preserveCase ? h.name : key, h.value]));
  }
}
