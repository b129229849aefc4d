import type { IncomingMessage, ServerResponse } from 'node:http';
import { failureInjector, listenOnLoopback, replyJson, retryAfterHeader, type FailureControls } from '../http/fake-server-kit.js';
import { updateTicketRequestSchema, type ZendeskAuth, type ZendeskComment } from './types.js';

/**
 * A Zendesk Support API on loopback for tests and the demo: the ticket and comment
 * endpoints Parley uses, and what sign-in reads (the app's public key, users and their
 * group and organization memberships), in Zendesk's wire format, with its auth schemes and the
 * failures a real account produces (429 with Retry-After, 5xx, slowness, and an
 * update that is applied but never answered).
 */
export interface FakeZendeskOptions {
  /** Accepted credentials; anything else is answered 401. */
  credentials: ZendeskAuth | ZendeskAuth[];
  /** Tickets that exist from the start. */
  tickets?: (number | string)[];
  /** A comment on an unknown ticket creates it (the demo has no ticket list to seed). */
  autoCreateTickets?: boolean;
  /** author_id stamped on every comment: the API user. */
  authorId?: number;
  /** Largest page the comments list returns; small values exercise pagination. */
  maxPerPage?: number;
  /** 'cursor' answers with meta.has_more and links.next instead of next_page. */
  pagination?: 'offset' | 'cursor';
  random?: () => number;
  /** App id → the PEM public key Get App Public Key answers with (signed-URL verification). */
  appPublicKeys?: Record<string, string>;
  /** Users Show User and the membership lists answer for. */
  users?: FakeZendeskUser[];
}

/** A Zendesk user as the fake holds it; served in Zendesk's own JSON. */
export interface FakeZendeskUser {
  id: number;
  name: string;
  email?: string;
  role: 'admin' | 'agent' | 'end-user';
  organizations?: { id: number; name: string }[];
  groups?: number[];
  suspended?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  authorized: boolean;
  /** 'hung' while a hang-mode update waits for an answer that never comes. */
  status: number | 'hung';
  body?: unknown;
}

export interface FakeZendesk extends FailureControls {
  readonly url: string;
  comments(ticketId: number | string): ZendeskComment[];
  requests(): RecordedRequest[];
  addTicket(ticketId: number | string): void;
  /** Installs (or rotates) an app's signing key in this account. */
  setAppPublicKey(appId: string, pem: string): void;
  addUser(user: FakeZendeskUser): void;
  /** Delay before every request is handled, authorization included. */
  setLatency(ms: number): void;
  /** While on, a comment update is applied and then never answered: a vendor that committed before the caller died. */
  setHang(on: boolean): void;
  /** Cuts the connections hang mode is holding. */
  releaseHung(): void;
  close(): Promise<void>;
}

interface Ticket {
  id: number;
  createdAt: string;
  updatedAt: string;
  comments: ZendeskComment[];
}

const MAX_BODY_BYTES = 1 << 20;
const errorNames: Record<number, string> = { 429: 'TooManyRequests', 500: 'InternalServerError', 502: 'BadGateway', 503: 'ServiceUnavailable', 504: 'GatewayTimeout' };

const zendeskTime = (date = new Date()) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function credentialHeader(auth: ZendeskAuth): string {
  return 'oauthToken' in auth ? `Bearer ${auth.oauthToken}` : `Basic ${Buffer.from(`${auth.email}/token:${auth.apiToken}`).toString('base64')}`;
}

export async function startFakeZendesk(options: FakeZendeskOptions): Promise<FakeZendesk> {
  const accepted = new Set((Array.isArray(options.credentials) ? options.credentials : [options.credentials]).map(credentialHeader));
  const random = options.random ?? Math.random;
  const authorId = options.authorId ?? 900_001;
  const maxPerPage = options.maxPerPage ?? 100;
  const tickets = new Map<number, Ticket>();
  const log: RecordedRequest[] = [];
  const hung = new Set<ServerResponse>();
  const failures = failureInjector(random);
  let latencyMs = 0;
  let hang = false;
  let nextCommentId = 10_000_001;
  let url = '';

  const addTicket = (id: number) => {
    if (!tickets.has(id)) tickets.set(id, { id, createdAt: zendeskTime(), updatedAt: zendeskTime(), comments: [] });
    return tickets.get(id)!;
  };
  for (const id of options.tickets ?? []) addTicket(Number(id));
  const appKeys = new Map(Object.entries(options.appPublicKeys ?? {}));
  const users = new Map((options.users ?? []).map((user) => [user.id, user]));
  const epoch = zendeskTime(new Date(Date.UTC(2024, 0, 2, 9)));

  const ticketJson = (t: Ticket) => ({ id: t.id, subject: `Ticket ${t.id}`, status: 'open', created_at: t.createdAt, updated_at: t.updatedAt });

  function send(res: ServerResponse, record: RecordedRequest, status: number, body: unknown, headers: Record<string, string> = {}) {
    record.status = status;
    replyJson(res, status, body, headers);
  }

  function listComments(res: ServerResponse, record: RecordedRequest, ticket: Ticket, query: URLSearchParams) {
    const perPage = Math.min(maxPerPage, Math.max(1, Number(query.get('per_page') ?? query.get('page[size]') ?? 100) || 100));
    const ordered = query.get('sort_order') === 'desc' ? [...ticket.comments].reverse() : ticket.comments;
    const path = `/api/v2/tickets/${ticket.id}/comments.json`;
    if (options.pagination === 'cursor') {
      const start = Number(query.get('page[after]') ?? 0) || 0;
      const comments = ordered.slice(start, start + perPage);
      const hasMore = start + perPage < ordered.length;
      const next = new URLSearchParams(query);
      next.set('page[after]', String(start + perPage));
      next.set('page[size]', String(perPage));
      return send(res, record, 200, { comments, meta: { has_more: hasMore }, links: { next: hasMore ? `${url}${path}?${next}` : null } });
    }
    const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
    const comments = ordered.slice((page - 1) * perPage, page * perPage);
    const next = new URLSearchParams(query);
    next.set('page', String(page + 1));
    next.set('per_page', String(perPage));
    const hasMore = page * perPage < ordered.length;
    send(res, record, 200, { comments, next_page: hasMore ? `${url}${path}?${next}` : null, previous_page: null, count: ordered.length });
  }

  function updateTicket(res: ServerResponse, record: RecordedRequest, ticketId: number, raw: string) {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return send(res, record, 400, { error: 'InvalidJSON', description: 'Request body is not JSON' });
    }
    record.body = json;
    const parsed = updateTicketRequestSchema.safeParse(json);
    if (!parsed.success) return send(res, record, 422, { error: 'RecordInvalid', description: 'Record validation errors' });
    const ticket = tickets.get(ticketId) ?? (options.autoCreateTickets ? addTicket(ticketId) : undefined);
    if (!ticket) return send(res, record, 404, { error: 'RecordNotFound', description: 'Not found' });
    const { body, public: isPublic } = parsed.data.ticket.comment;
    const comment: ZendeskComment = {
      id: nextCommentId++,
      type: 'Comment',
      author_id: authorId,
      body,
      html_body: `<div class="zd-comment" dir="auto"><p>${escapeHtml(body).replace(/\n/g, '<br>')}</p></div>`,
      plain_body: body,
      public: isPublic,
      created_at: zendeskTime(),
    };
    ticket.comments.push(comment);
    ticket.updatedAt = comment.created_at;
    if (hang) {
      record.status = 'hung';
      hung.add(res);
      res.on('close', () => hung.delete(res));
      return;
    }
    const audit = { id: nextCommentId++, ticket_id: ticket.id, created_at: comment.created_at, author_id: authorId, events: [comment] };
    send(res, record, 200, { ticket: ticketJson(ticket), audit });
  }

  /**
   * Redact Ticket Comment In Agent Workspace: the request's html_body must be the comment's own with
   * only `<redact>` tags and `redact` attributes added; marked text becomes ▇ (one per character),
   * marked links lose their tag. The comment keeps its id; body and plain_body follow the new HTML.
   */
  function redactComment(res: ServerResponse, record: RecordedRequest, commentId: number, raw: string) {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return send(res, record, 400, { error: 'InvalidJSON', description: 'Request body is not JSON' });
    }
    record.body = json;
    const input = json as { ticket_id?: unknown; html_body?: unknown };
    if (typeof input.ticket_id !== 'number' || typeof input.html_body !== 'string') {
      return send(res, record, 400, { error: 'InvalidParameter', description: 'ticket_id and html_body are required' });
    }
    const comment = tickets.get(input.ticket_id)?.comments.find((c) => c.id === commentId);
    if (!comment) return send(res, record, 404, { error: 'RecordNotFound', description: 'Not found' });
    const unmarked = input.html_body.replace(/<\/?redact>/g, '').replace(/\sredact(?=[\s>/])/g, '');
    if (unmarked !== comment.html_body) return send(res, record, 422, { error: 'RecordInvalid', description: 'html_body does not match the comment' });
    const decode = (text: string) => text.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code))).replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"');
    const html = input.html_body
      .replace(/<redact>([\s\S]*?)<\/redact>/g, (_m, inner: string) => '\u2587'.repeat([...decode(inner)].length))
      .replace(/<a\b[^>]*\sredact(?:\s[^>]*)?>([\s\S]*?)<\/a>/g, '$1')
      .replace(/<img\b[^>]*\sredact(?:\s[^>]*)?\/?>/g, '');
    const text = decode(html.replace(/<br\s*\/?>/g, '\n').replace(/<[^>]*>/g, ''));
    Object.assign(comment, { html_body: html, body: text, plain_body: text });
    send(res, record, 200, { comment });
  }

  const userJson = (u: FakeZendeskUser) => ({
    id: u.id,
    url: `${url}/api/v2/users/${u.id}.json`,
    name: u.name,
    email: u.email ?? null,
    role: u.role,
    role_type: null,
    active: true,
    verified: true,
    suspended: u.suspended ?? false,
    organization_id: u.organizations?.[0]?.id ?? null,
    default_group_id: u.role === 'end-user' ? null : (u.groups?.[0] ?? null),
    locale: 'en-US',
    time_zone: 'Europe/Berlin',
    created_at: epoch,
    updated_at: epoch,
  });

  /** Offset pagination as Zendesk's list endpoints do it: `next_page` is a full URL, `count` the total. */
  function listPage(res: ServerResponse, record: RecordedRequest, key: string, all: unknown[], path: string, query: URLSearchParams) {
    const perPage = Math.min(maxPerPage, Math.max(1, Number(query.get('per_page') ?? 100) || 100));
    const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
    const next = new URLSearchParams(query);
    next.set('page', String(page + 1));
    next.set('per_page', String(perPage));
    const hasMore = page * perPage < all.length;
    send(res, record, 200, { [key]: all.slice((page - 1) * perPage, page * perPage), next_page: hasMore ? `${url}${path}?${next}` : null, previous_page: null, count: all.length });
  }

  function userRoutes(res: ServerResponse, record: RecordedRequest, target: URL): boolean {
    const match = /^\/api\/v2\/users\/(\d+)(?:\.json|\/(group_memberships|organization_memberships)\.json)$/.exec(target.pathname);
    if (!match) return false;
    const user = users.get(Number(match[1]));
    if (!user) {
      send(res, record, 404, { error: 'RecordNotFound', description: 'Not found' });
      return true;
    }
    if (match[2] === 'group_memberships') {
      const memberships = (user.groups ?? []).map((groupId, n) => ({
        id: user.id * 100 + n,
        url: `${url}/api/v2/group_memberships/${user.id * 100 + n}.json`,
        user_id: user.id,
        group_id: groupId,
        default: n === 0,
        created_at: epoch,
        updated_at: epoch,
      }));
      listPage(res, record, 'group_memberships', memberships, target.pathname, target.searchParams);
    } else if (match[2] === 'organization_memberships') {
      const memberships = (user.organizations ?? []).map((organization, n) => ({
        id: user.id * 100 + n,
        url: `${url}/api/v2/organization_memberships/${user.id * 100 + n}.json`,
        user_id: user.id,
        organization_id: organization.id,
        organization_name: organization.name,
        default: n === 0,
        view_tickets: false,
        created_at: epoch,
        updated_at: epoch,
      }));
      listPage(res, record, 'organization_memberships', memberships, target.pathname, target.searchParams);
    } else {
      send(res, record, 200, { user: userJson(user) });
    }
    return true;
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const target = new URL(req.url ?? '/', url);
    const record: RecordedRequest = { method: req.method ?? 'GET', path: target.pathname, query: target.search, authorized: false, status: 0 };
    log.push(record);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) return send(res, record, 413, { error: 'RequestTooLarge' });
      chunks.push(chunk as Buffer);
    }
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));

    record.authorized = accepted.has(req.headers.authorization ?? '');
    if (!record.authorized) return send(res, record, 401, { error: "Couldn't authenticate you" });
    const failure = failures.next();
    if (failure) {
      const error = errorNames[failure.status] ?? 'Error';
      return send(res, record, failure.status, { error, description: 'Injected by the fake' }, retryAfterHeader(failure));
    }

    const publicKeyRoute = /^\/api\/v2\/apps\/(\d+)\/public_key\.pem$/.exec(target.pathname);
    if (publicKeyRoute && req.method === 'GET') {
      const pem = appKeys.get(publicKeyRoute[1]!);
      if (!pem) return send(res, record, 404, { error: 'RecordNotFound', description: 'Not found' });
      record.status = 200;
      res.writeHead(200, { 'content-type': 'application/x-pem-file' });
      return void res.end(pem);
    }
    if (req.method === 'GET' && userRoutes(res, record, target)) return;

    const redactionRoute = /^\/api\/v2\/comment_redactions\/(\d+)\.json$/.exec(target.pathname);
    if (redactionRoute && req.method === 'PUT') return redactComment(res, record, Number(redactionRoute[1]), Buffer.concat(chunks).toString('utf8'));
    const ticketRoute = /^\/api\/v2\/tickets\/(\d+)\.json$/.exec(target.pathname);
    const commentsRoute = /^\/api\/v2\/tickets\/(\d+)\/comments\.json$/.exec(target.pathname);
    if (ticketRoute && req.method === 'PUT') return updateTicket(res, record, Number(ticketRoute[1]), Buffer.concat(chunks).toString('utf8'));
    const ticket = tickets.get(Number((ticketRoute ?? commentsRoute)?.[1]));
    if ((ticketRoute || commentsRoute) && req.method === 'GET' && !ticket) return send(res, record, 404, { error: 'RecordNotFound', description: 'Not found' });
    if (ticketRoute && req.method === 'GET') return send(res, record, 200, { ticket: ticketJson(ticket!) });
    if (commentsRoute && req.method === 'GET') return listComments(res, record, ticket!, target.searchParams);
    send(res, record, 404, { error: 'InvalidEndpoint', description: 'Not found' });
  }

  const server = await listenOnLoopback(handle);
  url = server.url;

  return {
    url,
    comments: (ticketId) => [...(tickets.get(Number(ticketId))?.comments ?? [])],
    requests: () => [...log],
    addTicket: (ticketId) => void addTicket(Number(ticketId)),
    setAppPublicKey: (appId, pem) => void appKeys.set(appId, pem),
    addUser: (user) => void users.set(user.id, user),
    ...failures.controls,
    setLatency(ms) {
      latencyMs = ms;
    },
    setHang(on) {
      hang = on;
    },
    releaseHung() {
      for (const res of hung) res.socket?.destroy();
      hung.clear();
    },
    close: () => server.close(),
  };
}
