/**
 * The HTTP transport under botbuilder's connector client.
 *
 * botbuilder's default pipeline retries in-process: it sleeps whatever a 429's
 * Retry-After says and retries 5xx with backoff up to 64 s, three times. Inside an
 * outbox delivery that can hold a message past the worker's lease, and a second
 * worker then sends the same card again. This transport sends once and turns every
 * non-2xx answer and every network failure into an error the pipeline does not
 * retry (it only retries its own RestError), so the outbox decides when to try again.
 */
import type { ConfigurationBotFrameworkAuthentication } from 'botbuilder';

type ConnectorClientOptions = NonNullable<ConstructorParameters<typeof ConfigurationBotFrameworkAuthentication>[4]>;
export type ConnectorHttpClient = NonNullable<ConnectorClientOptions['httpClient']>;
type ConnectorRequest = Parameters<ConnectorHttpClient['sendRequest']>[0];
type ConnectorResponse = Awaited<ReturnType<ConnectorHttpClient['sendRequest']>>;
type HeadersLike = ConnectorResponse['headers'];

/** The Bot Connector answered with a status that is not success. */
export class ConnectorHttpError extends Error {
  override readonly name = 'ConnectorHttpError';
  constructor(
    readonly status: number,
    /** The connector's error code (e.g. "ConversationNotFound"), never its message. */
    readonly code: string | undefined,
    readonly retryAfterMs: number | undefined,
  ) {
    super(`HTTP ${status}${code ? ` ${code}` : ''}`);
  }
}

/** No answer: refused, reset, timed out. */
export class ConnectorUnreachableError extends Error {
  override readonly name = 'ConnectorUnreachableError';
}

export function createConnectorTransport(options: { timeoutMs: number }): ConnectorHttpClient {
  return {
    async sendRequest(request: ConnectorRequest): Promise<ConnectorResponse> {
      const signals = [AbortSignal.timeout(request.timeout > 0 ? Math.min(request.timeout, options.timeoutMs) : options.timeoutMs)];
      if (request.abortSignal) signals.push(request.abortSignal as AbortSignal);
      let response: Response;
      try {
        response = await fetch(request.url, {
          method: request.method,
          headers: request.headers.rawHeaders(),
          body: bodyOf(request.body),
          // A redirect would carry the bot's bearer token elsewhere; the connector never redirects.
          redirect: 'manual',
          signal: AbortSignal.any(signals),
        });
      } catch (error) {
        throw new ConnectorUnreachableError(`Bot Connector unreachable (${(error as Error).name})`);
      }
      const bodyAsText = await response.text().catch(() => '');
      if (response.status < 200 || response.status >= 300) {
        throw new ConnectorHttpError(response.status, errorCode(bodyAsText), retryAfterMs(response.headers.get('retry-after')));
      }
      return { request, status: response.status, headers: new ResponseHeaders(response.headers), bodyAsText };
    },
  };
}

function bodyOf(body: ConnectorRequest['body']): string | undefined {
  if (body === undefined || body === null) return undefined;
  return typeof body === 'string' ? body : JSON.stringify(body);
}

/** Bot Connector errors are `{ "error": { "code", "message" } }`. */
function errorCode(body: string): string | undefined {
  try {
    const code = (JSON.parse(body) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? code.slice(0, 80) : undefined;
  } catch {
    return undefined;
  }
}

/** Seconds or an HTTP date, as RFC 9110 allows. */
export function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
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
