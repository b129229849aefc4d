/**
 * The one way an adapter calls a vendor's HTTP API (Zendesk, Sunshine Conversations,
 * the Bot Connector): a single attempt within a deadline, no redirects, and every
 * failure typed. Whether to try again is the outbox's decision, made in each
 * adapter's deliverer, so nothing here retries.
 */

/** Also the prefix the deliverers put before an error in `last_error`. */
export type Vendor = 'Zendesk' | 'SunCo' | 'Bot Connector';

/** The vendor answered with a status that is not 2xx (3xx included: redirects are not followed). */
export class VendorHttpError extends Error {
  override readonly name = 'VendorHttpError';
  constructor(
    readonly vendor: Vendor,
    readonly status: number,
    /** The vendor's short error code (e.g. RecordNotFound), never its message: messages can quote the rejected content back. */
    readonly code: string | undefined,
    readonly retryAfterMs: number | undefined,
  ) {
    super(`HTTP ${status}${code ? ` ${code}` : ''}`);
  }
}

/**
 * No answer: connection refused or reset, DNS, or the deadline ran out. It has no
 * `code` property on purpose: botbuilder's pipeline retries errors whose `code` is a
 * socket error, and only the outbox may retry.
 */
export class VendorUnreachableError extends Error {
  override readonly name = 'VendorUnreachableError';
  constructor(
    readonly vendor: Vendor,
    message: string,
    readonly timedOut: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface VendorRequest {
  vendor: Vendor;
  fetch: typeof fetch;
  method: string;
  url: string;
  body?: string;
  /** Override the JSON defaults (accept, and content-type when there is a body); botbuilder brings its own. */
  headers?: Record<string, string>;
  authorization?: string;
  /** For the whole exchange, reading the body included. */
  timeoutMs: number;
  /** The caller's own cancellation, on top of the deadline. */
  signal?: AbortSignal;
  /** Failure statuses whose Retry-After is read; 'any' reads it on every one. */
  retryAfterStatuses: readonly number[] | 'any';
  /** Picks the vendor's error code out of an error body parsed as JSON (undefined when it is not JSON). */
  errorCode: (body: unknown) => string | undefined;
  /**
   * A body that breaks off after the status arrived: 'unreachable' (the default)
   * throws VendorUnreachableError; 'empty' carries on with '', for a caller that
   * cannot check whether its request landed, so a 2xx must count as sent.
   */
  unreadableBody?: 'unreachable' | 'empty';
}

/** What stays the same across one API client's requests. */
export type VendorSettings = Omit<VendorRequest, 'method' | 'url' | 'body'>;

export interface VendorResponse {
  status: number;
  headers: Headers;
  text: string;
}

/** Sends once; resolves with a 2xx answer and throws VendorHttpError or VendorUnreachableError otherwise. */
export async function vendorRequest(request: VendorRequest): Promise<VendorResponse> {
  const deadline = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([deadline, request.signal]) : deadline;
  let response: Response;
  try {
    response = await request.fetch(request.url, {
      method: request.method,
      body: request.body,
      signal,
      // A redirect would carry the credentials along; a correct base URL never needs one.
      redirect: 'manual',
      headers: headersFor(request),
    });
  } catch (error) {
    throw unreachable(request, deadline, error);
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    if (request.unreadableBody !== 'empty') throw unreachable(request, deadline, error);
    text = '';
  }
  const { status, headers } = response;
  if (status >= 200 && status < 300) return { status, headers, text };
  const readRetryAfter = request.retryAfterStatuses === 'any' || request.retryAfterStatuses.includes(status);
  throw new VendorHttpError(request.vendor, status, request.errorCode(jsonOrUndefined(text))?.slice(0, 80), readRetryAfter ? parseRetryAfter(headers.get('retry-after')) : undefined);
}

/** Retry-After is seconds or an HTTP date; anything else is ignored rather than guessed. */
export function parseRetryAfter(value: string | null, nowMs: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** Vendors answer some errors with HTML pages; those have no code to read. */
export function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * A configured base URL as origin and path without trailing slashes. Only http(s):
 * the credentials go wherever it points. `invalid` builds the adapter's own error,
 * since adapters differ on whether a bad URL is worth retrying.
 */
export function normalizeBaseUrl(raw: string, invalid: (reason: string) => Error): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('must be http(s)');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** Header names folded to lower case, so a caller's header replaces a default rather than doubling it. */
function headersFor(request: VendorRequest): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value;
  if (request.authorization !== undefined) headers.authorization = request.authorization;
  return headers;
}

function unreachable(request: VendorRequest, deadline: AbortSignal, error: unknown): VendorUnreachableError {
  if (deadline.aborted) return new VendorUnreachableError(request.vendor, `no answer within ${request.timeoutMs} ms`, true, { cause: error });
  return new VendorUnreachableError(request.vendor, `request failed: ${reasonOf(error)}`, false, { cause: error });
}

/** fetch hides the socket error in `cause`; its code (ECONNREFUSED, …) is what an operator needs. */
function reasonOf(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message.slice(0, 120);
  return error instanceof Error ? error.message.slice(0, 120) : 'unknown';
}
