import type { z } from 'zod';
import { normalizeBaseUrl, vendorRequest, type VendorHttpError, type VendorSettings, type VendorUnreachableError } from '../http/vendor-http.js';
import {
  commentResponseSchema,
  commentsPageSchema,
  errorBodySchema,
  groupMembershipsPageSchema,
  organizationMembershipsPageSchema,
  ticketResponseSchema,
  userResponseSchema,
  zendeskIdSchema,
  type UpdateTicketRequest,
  type ZendeskAuth,
  type ZendeskClientConfig,
  type ZendeskComment,
  type ZendeskCommentsPage,
  type ZendeskTicket,
  type ZendeskUser,
} from './types.js';

/** A 2xx answer we cannot read, pagination that leads somewhere it must not, or an unusable base URL. */
export class ZendeskResponseError extends Error {
  override readonly name = 'ZendeskResponseError';
}

export type ZendeskError = VendorHttpError | VendorUnreachableError | ZendeskResponseError;

/** A ticket with more comments than this is not a ticket we will page through. */
const MAX_COMMENT_PAGES = 200;
/** A user in more groups or organizations than this many pages is not one we page through. */
const MAX_MEMBERSHIP_PAGES = 20;

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

  /**
   * Redact Ticket Comment In Agent Workspace: `htmlBody` is the comment's own html_body with the
   * text to remove wrapped in `<redact>` tags (links and images carry a `redact` attribute); Zendesk
   * replaces those characters with ▇, for good. Works on closed and archived tickets too.
   */
  async redactComment(baseUrl: string, ticketId: string, commentId: number, htmlBody: string): Promise<ZendeskComment> {
    const url = `${accountBaseUrl(baseUrl)}/api/v2/comment_redactions/${encodeURIComponent(zendeskId(String(commentId)))}.json`;
    const text = await this.send('PUT', url, JSON.stringify({ ticket_id: Number(zendeskId(ticketId)), html_body: htmlBody }));
    return parseJson(text, commentResponseSchema).comment;
  }

  /** The PEM public key this app signs its signed-URL tokens with (Get App Public Key). */
  async getAppPublicKey(baseUrl: string, appId: string): Promise<string> {
    const url = `${accountBaseUrl(baseUrl)}/api/v2/apps/${encodeURIComponent(zendeskId(appId))}/public_key.pem`;
    return this.send('GET', url, undefined, { accept: 'application/x-pem-file, text/plain, */*' });
  }

  async getUser(baseUrl: string, userId: string): Promise<ZendeskUser> {
    const text = await this.send('GET', `${accountBaseUrl(baseUrl)}/api/v2/users/${encodeURIComponent(zendeskId(userId))}.json`);
    return parseJson(text, userResponseSchema).user;
  }

  /** Ids of the groups the user belongs to, every page. */
  async userGroupIds(baseUrl: string, userId: string): Promise<number[]> {
    const path = `/api/v2/users/${encodeURIComponent(zendeskId(userId))}/group_memberships.json?per_page=100`;
    const ids: number[] = [];
    for await (const page of this.pages(baseUrl, path, groupMembershipsPageSchema)) ids.push(...page.group_memberships.map((m) => m.group_id));
    return ids;
  }

  /** The organizations the user belongs to, every page. */
  async userOrganizations(baseUrl: string, userId: string): Promise<{ id: number; name: string | null }[]> {
    const path = `/api/v2/users/${encodeURIComponent(zendeskId(userId))}/organization_memberships.json?per_page=100`;
    const organizations: { id: number; name: string | null }[] = [];
    for await (const page of this.pages(baseUrl, path, organizationMembershipsPageSchema)) {
      organizations.push(...page.organization_memberships.map((m) => ({ id: m.organization_id, name: m.organization_name ?? null })));
    }
    return organizations;
  }

  /** Follows offset and cursor pagination, only within the account's origin (the credentials go with every page). */
  private async *pages<T extends z.ZodType<{ next_page?: string | null; meta?: { has_more: boolean } | null; links?: { next?: string | null } | null }>>(
    baseUrl: string,
    path: string,
    schema: T,
  ): AsyncGenerator<z.infer<T>> {
    const base = accountBaseUrl(baseUrl);
    const origin = new URL(base).origin;
    let next: string | undefined = `${base}${path}`;
    const seen = new Set<string>();
    while (next !== undefined) {
      if (seen.has(next) || seen.size >= MAX_MEMBERSHIP_PAGES) throw new ZendeskResponseError('pagination does not end');
      seen.add(next);
      const page: z.infer<T> = parseJson(await this.send('GET', next), schema);
      yield page;
      const following: string | null | undefined = page.meta ? (page.meta.has_more ? page.links?.next : undefined) : page.next_page;
      next = following ?? undefined;
      if (next !== undefined && safeOrigin(next) !== origin) throw new ZendeskResponseError('pagination points to another origin');
    }
  }

  private async send(method: 'GET' | 'PUT', url: string, body?: string, headers?: Record<string, string>): Promise<string> {
    const { text } = await vendorRequest({ ...this.http, method, url, body, headers });
    return text;
  }
}

/** Ids reach URL paths only as positive integers. */
function zendeskId(id: string): string {
  if (!zendeskIdSchema.safeParse(id).success) throw new ZendeskResponseError('a Zendesk id is not a positive integer');
  return id;
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
