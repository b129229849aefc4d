import type { z } from 'zod';
import {
  commentsPageSchema,
  errorBodySchema,
  ticketResponseSchema,
  type UpdateTicketRequest,
  type ZendeskAuth,
  type ZendeskClientConfig,
  type ZendeskComment,
  type ZendeskCommentsPage,
  type ZendeskTicket,
} from './types.js';

/** Zendesk answered with a status that is not 2xx. */
export class ZendeskHttpError extends Error {
  override readonly name = 'ZendeskHttpError';
  constructor(
    readonly status: number,
    /** Zendesk's short error code (e.g. RecordNotFound), never its details. */
    readonly code: string | undefined,
    readonly retryAfterMs: number | undefined,
  ) {
    super(`HTTP ${status}${code ? ` ${code}` : ''}`);
  }
}

/** No answer: connection refused or reset, DNS, or the timeout ran out. */
export class ZendeskUnreachableError extends Error {
  override readonly name = 'ZendeskUnreachableError';
  constructor(
    message: string,
    readonly timedOut: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A 2xx answer we cannot read, or pagination that leads somewhere it must not. */
export class ZendeskResponseError extends Error {
  override readonly name = 'ZendeskResponseError';
}

export type ZendeskError = ZendeskHttpError | ZendeskUnreachableError | ZendeskResponseError;

/** A ticket with more comments than this is not a ticket we will page through. */
const MAX_COMMENT_PAGES = 200;

/** Retry-After is seconds or an HTTP date; anything else is ignored rather than guessed. */
export function parseRetryAfter(value: string | null, nowMs: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** The account origin without a trailing slash; only http(s). */
export function normalizeBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ZendeskResponseError('the Zendesk base URL is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ZendeskResponseError('the Zendesk base URL must be http(s)');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function authorizationHeader(auth: ZendeskAuth): string {
  if ('oauthToken' in auth) return `Bearer ${auth.oauthToken}`;
  return `Basic ${Buffer.from(`${auth.email}/token:${auth.apiToken}`).toString('base64')}`;
}

/** The few Support API calls Parley makes, with typed failures and zod-checked answers. */
export class ZendeskApi {
  private readonly fetch: typeof fetch;
  private readonly authorization: string;

  constructor(private readonly config: ZendeskClientConfig) {
    this.fetch = config.fetch ?? globalThis.fetch;
    this.authorization = authorizationHeader(config.auth);
  }

  /**
   * Adds a comment through Update Ticket. Any 2xx means Zendesk applied it; the
   * answer's body is not needed, and a body we could not read must not turn into a
   * retry of a change that already happened.
   */
  async addComment(baseUrl: string, ticketId: string, comment: UpdateTicketRequest['ticket']['comment']): Promise<void> {
    const body: UpdateTicketRequest = { ticket: { comment } };
    await this.send('PUT', `${normalizeBaseUrl(baseUrl)}/api/v2/tickets/${encodeURIComponent(ticketId)}.json`, JSON.stringify(body));
  }

  async getTicket(baseUrl: string, ticketId: string): Promise<ZendeskTicket> {
    const text = await this.send('GET', `${normalizeBaseUrl(baseUrl)}/api/v2/tickets/${encodeURIComponent(ticketId)}.json`);
    return parseJson(text, ticketResponseSchema).ticket;
  }

  /**
   * A ticket's comments, page by page, newest first where Zendesk honours the sort.
   * Follows offset (`next_page`) and cursor (`links.next`) pagination, but only
   * within the account's origin: the credentials go with every page.
   */
  async *commentPages(baseUrl: string, ticketId: string): AsyncGenerator<ZendeskComment[]> {
    const base = normalizeBaseUrl(baseUrl);
    const origin = new URL(base).origin;
    let next: string | undefined = `${base}/api/v2/tickets/${encodeURIComponent(ticketId)}/comments.json?sort_order=desc&per_page=100`;
    const seen = new Set<string>();
    while (next !== undefined) {
      if (seen.has(next) || seen.size >= MAX_COMMENT_PAGES) throw new ZendeskResponseError('comment pagination does not end');
      seen.add(next);
      const page: ZendeskCommentsPage = parseJson(await this.send('GET', next), commentsPageSchema);
      yield page.comments;
      const following: string | null | undefined = page.meta ? (page.meta.has_more ? page.links?.next : undefined) : page.next_page;
      next = following ?? undefined;
      if (next !== undefined && safeOrigin(next) !== origin) throw new ZendeskResponseError('comment pagination points to another origin');
    }
  }

  private async send(method: 'GET' | 'PUT', url: string, body?: string): Promise<string> {
    const signal = AbortSignal.timeout(this.config.timeoutMs);
    let status: number;
    let headers: Headers;
    let text: string;
    try {
      const response = await this.fetch(url, {
        method,
        body,
        signal,
        // A redirect would carry the credentials along; a correct base URL never needs one.
        redirect: 'manual',
        headers: {
          accept: 'application/json',
          authorization: this.authorization,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
      });
      status = response.status;
      headers = response.headers;
      text = await response.text();
    } catch (error) {
      if (signal.aborted) throw new ZendeskUnreachableError(`no answer within ${this.config.timeoutMs} ms`, true, { cause: error });
      throw new ZendeskUnreachableError(`request failed: ${reasonOf(error)}`, false, { cause: error });
    }
    if (status >= 200 && status < 300) return text;
    const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(headers.get('retry-after')) : undefined;
    throw new ZendeskHttpError(status, errorCodeOf(text), retryAfterMs);
  }
}

function parseJson<T extends z.ZodType>(text: string, schema: T): z.infer<T> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ZendeskResponseError('the answer is not JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new ZendeskResponseError(`unexpected answer shape at ${parsed.error.issues[0]?.path.join('.') || '(root)'}`);
  return parsed.data;
}

function errorCodeOf(text: string): string | undefined {
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(text));
    if (!parsed.success) return undefined;
    const error = parsed.data.error;
    const code = typeof error === 'string' ? error : error?.title;
    return code?.slice(0, 80);
  } catch {
    return undefined;
  }
}

function safeOrigin(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** fetch hides the socket error in `cause`; its code (ECONNREFUSED, …) is what an operator needs. */
function reasonOf(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message.slice(0, 120);
  return error instanceof Error ? error.message.slice(0, 120) : 'unknown';
}
