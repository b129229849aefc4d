import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { failureInjector, listenOnLoopback, replyJson, retryAfterHeader, type FailureControls } from '../http/fake-server-kit.js';
import { messagePostSchema, type SuncoAuth, type SuncoMessage, type SuncoWebhookBody, type SuncoWebhookEvent } from './types.js';

/**
 * A Zendesk-hosted Sunshine Conversations app on loopback for tests and the demo:
 * the Messages endpoints Parley calls, in SunCo's v2 wire format and basic auth, with
 * the failures a real app produces (429 with Retry-After, 5xx, slowness). It also
 * plays SunCo's side of webhooks: a customer pressing a postback button.
 */
export interface FakeSuncoOptions {
  appId: string;
  /** Accepted app keys; anything else is answered 401. */
  keys: SuncoAuth | SuncoAuth[];
  /** Conversations that exist; absent means every conversation id exists. */
  conversations?: string[];
  random?: () => number;
}

export interface RecordedSuncoRequest {
  method: string;
  path: string;
  authorized: boolean;
  status: number;
}

/** Where webhooks go: a URL and the secret SunCo sends in `X-API-Key`. */
export interface WebhookTarget {
  url: string;
  secret: string;
  /** Defaults to global fetch; tests pass `app.request` to stay in-process. */
  fetch?: (url: string, init: RequestInit) => Response | Promise<Response>;
}

export interface SentWebhook {
  status: number;
  body: SuncoWebhookBody;
  /** The (only) event sent, to replay it. */
  event: SuncoWebhookEvent;
}

export interface SuncoWebhookSender {
  /** The user pressed a postback button carrying `payload`: a fresh event id. */
  postback(conversationId: string, payload: string, options?: { apiKey?: string }): Promise<SentWebhook>;
  /** The user typed a message: an event type Parley does not act on. */
  userMessage(conversationId: string, text: string): Promise<SentWebhook>;
  /** SunCo's retry of an event already sent: same event id, same payload. */
  replay(event: SuncoWebhookEvent, options?: { apiKey?: string }): Promise<SentWebhook>;
  /** Presses the postback button labelled `text` on the newest business message that has one. */
  press(conversationId: string, text: string): Promise<SentWebhook>;
}

export interface FakeSunco extends FailureControls {
  readonly url: string;
  /** What Parley is configured with: the Zendesk-hosted prefix `/sc`. */
  readonly baseUrl: string;
  readonly appId: string;
  messages(conversationId: string): SuncoMessage[];
  requests(): RecordedSuncoRequest[];
  addConversation(conversationId: string): void;
  /** Delay before answering; a posted message is stored before the delay, as a vendor that committed and then was slow. */
  setLatency(ms: number): void;
  webhooks(target: WebhookTarget): SuncoWebhookSender;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1 << 20;
const PAGE_SIZE = 100;
const errorCodes: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  429: 'too_many_requests',
  500: 'internal_server_error',
  502: 'bad_gateway',
  503: 'service_unavailable',
};

/** SunCo ids are 24 hex digits. */
const suncoId = () => randomBytes(12).toString('hex');
const basic = (key: SuncoAuth) => `Basic ${Buffer.from(`${key.keyId}:${key.secret}`).toString('base64')}`;

export async function startFakeSunco(options: FakeSuncoOptions): Promise<FakeSunco> {
  const accepted = new Set((Array.isArray(options.keys) ? options.keys : [options.keys]).map(basic));
  const random = options.random ?? Math.random;
  const conversations = new Map<string, SuncoMessage[]>();
  const restricted = options.conversations !== undefined;
  for (const id of options.conversations ?? []) conversations.set(id, []);
  const log: RecordedSuncoRequest[] = [];
  const failures = failureInjector(random);
  let latencyMs = 0;

  const conversation = (id: string) => {
    if (!conversations.has(id) && !restricted) conversations.set(id, []);
    return conversations.get(id);
  };

  function send(res: ServerResponse, record: RecordedSuncoRequest, status: number, body: unknown, headers: Record<string, string> = {}) {
    record.status = status;
    replyJson(res, status, body, headers);
  }
  const error = (status: number, title: string) => ({ errors: [{ code: errorCodes[status] ?? 'error', title }] });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const target = new URL(req.url ?? '/', 'http://127.0.0.1');
    const record: RecordedSuncoRequest = { method: req.method ?? 'GET', path: target.pathname, authorized: false, status: 0 };
    log.push(record);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) return send(res, record, 413, error(400, 'Payload too large'));
      chunks.push(chunk as Buffer);
    }

    record.authorized = accepted.has(req.headers.authorization ?? '');
    if (!record.authorized) return send(res, record, 401, error(401, 'Invalid credentials'));
    const failure = failures.next();
    if (failure) return send(res, record, failure.status, error(failure.status, 'Injected by the fake'), retryAfterHeader(failure));

    const route = /^(?:\/sc)?\/v2\/apps\/([^/]+)\/conversations\/([^/]+)\/messages$/.exec(target.pathname);
    if (!route) return send(res, record, 404, error(404, 'Not found'));
    if (decodeURIComponent(route[1]!) !== options.appId) return send(res, record, 404, error(404, 'App not found'));
    const messages = conversation(decodeURIComponent(route[2]!));
    if (!messages) return send(res, record, 404, error(404, 'Conversation not found'));

    if (req.method === 'GET') {
      const page = messages.slice(-PAGE_SIZE);
      const hasMore = messages.length > PAGE_SIZE;
      return send(res, record, 200, { messages: page, meta: { hasMore, ...(hasMore ? { beforeCursor: page[0]!.id } : {}) }, links: {} });
    }
    if (req.method !== 'POST') return send(res, record, 405, error(400, 'Method not allowed'));

    let json: unknown;
    try {
      json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return send(res, record, 400, error(400, 'Body is not JSON'));
    }
    const parsed = messagePostSchema.safeParse(json);
    if (!parsed.success) return send(res, record, 400, error(400, `Invalid message: ${parsed.error.issues[0]?.path.join('.')}`));
    const message: SuncoMessage & Record<string, unknown> = {
      id: suncoId(),
      received: new Date().toISOString(),
      author: { type: 'business', displayName: parsed.data.author.displayName ?? 'Acme Support' },
      content: parsed.data.content,
      source: { type: 'api' },
      ...(parsed.data.metadata ? { metadata: parsed.data.metadata } : {}),
    };
    messages.push(message);
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    send(res, record, 201, { messages: [message] });
  }

  const server = await listenOnLoopback(handle);
  const { url } = server;

  function webhooks(target: WebhookTarget): SuncoWebhookSender {
    const webhookId = suncoId();
    const userIds = new Map<string, string>();
    const userOf = (conversationId: string) => {
      if (!userIds.has(conversationId)) userIds.set(conversationId, suncoId());
      return userIds.get(conversationId)!;
    };
    const deliver = async (event: SuncoWebhookEvent, apiKey = target.secret): Promise<SentWebhook> => {
      const body: SuncoWebhookBody = { app: { id: options.appId }, webhook: { id: webhookId, version: 'v2' }, events: [event] };
      const post = target.fetch ?? globalThis.fetch;
      const response = await post(target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': apiKey, 'user-agent': 'Sunshine Conversations' },
        body: JSON.stringify(body),
      });
      await response.arrayBuffer();
      return { status: response.status, body, event };
    };
    const event = (type: string, payload: unknown): SuncoWebhookEvent => ({ id: suncoId(), createdAt: new Date().toISOString(), type, payload });
    const where = (conversationId: string) => ({ conversation: { id: conversationId, type: 'personal' }, user: { id: userOf(conversationId), authenticated: false } });
    const source = { type: 'web', integrationId: suncoId() };

    const sender: SuncoWebhookSender = {
      postback: (conversationId, payload, opts = {}) =>
        deliver(event('conversation:postback', { ...where(conversationId), postback: { payload }, source }), opts.apiKey),
      userMessage: (conversationId, text) =>
        deliver(
          event('conversation:message', {
            ...where(conversationId),
            message: { id: suncoId(), received: new Date().toISOString(), author: { type: 'user', userId: userOf(conversationId) }, content: { type: 'text', text }, source },
          }),
        ),
      replay: (sent, opts = {}) => deliver(sent, opts.apiKey),
      async press(conversationId, text) {
        const button = (conversations.get(conversationId) ?? [])
          .flatMap((m) => (m.content as { actions?: { type: string; text: string; payload?: string }[] }).actions ?? [])
          .filter((a) => a.type === 'postback' && a.text === text)
          .pop();
        if (!button?.payload) throw new Error(`no postback button "${text}" in conversation ${conversationId}`);
        return sender.postback(conversationId, button.payload);
      },
    };
    return sender;
  }

  return {
    url,
    baseUrl: `${url}/sc`,
    appId: options.appId,
    messages: (conversationId) => [...(conversations.get(conversationId) ?? [])],
    requests: () => [...log],
    addConversation: (conversationId) => void conversations.set(conversationId, conversations.get(conversationId) ?? []),
    ...failures.controls,
    setLatency(ms) {
      latencyMs = ms;
    },
    webhooks,
    close: () => server.close(),
  };
}
