import type { z } from 'zod';
import { normalizeBaseUrl, vendorRequest, type VendorHttpError, type VendorSettings, type VendorUnreachableError } from '../http/vendor-http.js';
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

/** A 2xx answer we cannot read, pagination that leads somewhere it must not, or an unusable base URL. */
export class ZendeskResponseError extends Error {
  override readonly name = 'ZendeskResponseError';
}

export type ZendeskError = VendorHttpError | VendorUnreachableError | ZendeskResponseError;

/** A ticket with more comments than this is not a ticket we will page through. */
const MAX_COMMENT_PAGES = 200;

/** The account origin without a trailing slash; only http(s). A bad one is a ZendeskResponseError, which the deliverer retries. */
function accountBaseUrl(raw: string): string {
  return normalizeBaseUrl(raw, (reason) => new ZendeskResponseError(`the Zendesk base URL ${reason}`));
}

function authorizationHeader(auth: ZendeskAuth): string {
  if ('oauthToken' in auth) return `Bearer ${auth.oauthToken}`;
  return `Basic ${Buffer.from(`${auth.email}/token:${auth.apiToken}`).toString('base64')}`;
}

/** The few Support API calls Parley makes, with typed failures and zod-checked answers. */
export class ZendeskApi {
  private readonly http: VendorSettings;

  constructor(config: ZendeskClientConfig) {
    this.http = {
      vendor: 'Zendesk',
      fetch: config.fetch ?? globalThis.fetch,
      authorization: authorizationHeader(config.auth),
      timeoutMs: config.timeoutMs,
      // Zendesk sends Retry-After with 429 and 503; the deliverer passes on only a 429's.
      retryAfterStatuses: [429, 503],
      errorCode: errorCodeOf,
    };
  }

  /**
   * Adds a comment through Update Ticket. Any 2xx means Zendesk applied it; the
   * answer's body is not needed, and a body we could not read must not turn into a
   * retry of a change that already happened.
   */
  async addComment(baseUrl: string, ticketId: string, comment: UpdateTicketRequest['ticket']['comment']): Promise<void> {
    const body: UpdateTicketRequest = { ticket: { comment } };
    await this.send('PUT', `${accountBaseUrl(baseUrl)}/api/v2/tickets/${encodeURIComponent(ticketId)}.json`, JSON.stringify(body));
  }

  async getTicket(baseUrl: string, ticketId: string): Promise<ZendeskTicket> {
    const text = await this.send('GET', `${accountBaseUrl(baseUrl)}/api/v2/tickets/${encodeURIComponent(ticketId)}.json`);
    return parseJson(text, ticketResponseSchema).ticket;
  }

  /**
   * A ticket's comments, page by page, newest first where Zendesk honours the sort.
   * Follows offset (`next_page`) and cursor (`links.next`) pagination, but only
   * within the account's origin: the credentials go with every page.
   */
  async *commentPages(baseUrl: string, ticketId: string): AsyncGenerator<ZendeskComment[]> {
    const base = accountBaseUrl(baseUrl);
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
    const { text } = await vendorRequest({ ...this.http, method, url, body });
    return text;
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

/** Zendesk's error bodies come as `{ error: "Code" }` or `{ error: { title } }`. */
function errorCodeOf(body: unknown): string | undefined {
  const parsed = errorBodySchema.safeParse(body);
  if (!parsed.success) return undefined;
  const error = parsed.data.error;
  return typeof error === 'string' ? error : error?.title;
}

function safeOrigin(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}
