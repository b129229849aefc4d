import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the bot made to the connector, as it arrived on the wire. */
export interface ConnectorCall {
  method: 'POST' | 'PUT';
  kind: 'send' | 'reply' | 'update';
  conversationId: string;
  /** The activity replied to or updated, from the URL. */
  activityId?: string;
  activity: Record<string, unknown>;
  authorization: string | undefined;
  /** What the fake answered. */
  status: number;
  /** The activity id the fake answered with (a new one for a send). */
  answeredId?: string;
}

export interface ConnectorFailure {
  status: number;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
  /** Bot Connector error code, e.g. "ConversationNotFound". */
  code?: string;
}

export interface FakeBotConnector {
  /** serviceUrl for activities: the bot sends its answers here. */
  url: string;
  /** Every activity request, failed ones included, in arrival order. */
  calls: ConnectorCall[];
  /** Activities the connector accepted. */
  delivered(): ConnectorCall[];
  /** Answer the next `times` activity requests with this failure. */
  failNext(times: number, failure: ConnectorFailure): void;
  /** Who is in a conversation, as `GET …/pagedmembers` lists them (TeamsChannelAccount objects). */
  setMembers(conversationId: string, members: Record<string, unknown>[]): void;
  close(): Promise<void>;
}

const activityPath = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?\/?$/;
const membersPath = /^\/v3\/conversations\/([^/]+)\/pagedmembers\/?$/;
/** Members per page, so a bot that reads only the first page misses people. */
const MEMBERS_PAGE = 2;

/**
 * The Bot Connector REST API as far as a bot uses it to post into a conversation:
 * send (POST …/activities), reply (POST …/activities/{id}) and update (PUT
 * …/activities/{id}), answered with a ResourceResponse `{ id }` or the connector's
 * error body `{ error: { code, message } }`. Listens on 127.0.0.1 only.
 */
export async function startFakeBotConnector(): Promise<FakeBotConnector> {
  const calls: ConnectorCall[] = [];
  const failures: ConnectorFailure[] = [];
  const membersOf = new Map<string, Record<string, unknown>[]>();

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => answer(res, 500, { error: { code: 'ServiceError', message: 'fake connector failed' } }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://connector');
    const listing = membersPath.exec(url.pathname);
    if (listing && req.method === 'GET') {
      const members = membersOf.get(decodeURIComponent(listing[1]!));
      if (!members) return answer(res, 404, { error: { code: 'ConversationNotFound', message: 'no such conversation' } });
      // The continuation token is the index of the next member.
      const start = Number(url.searchParams.get('continuationToken') ?? 0);
      const next = start + MEMBERS_PAGE;
      return answer(res, 200, { members: members.slice(start, next), ...(next < members.length ? { continuationToken: String(next) } : {}) });
    }
    const match = activityPath.exec(url.pathname);
    const method = req.method;
    if (!match || (method !== 'POST' && method !== 'PUT') || (method === 'PUT' && !match[2])) {
      return answer(res, 404, { error: { code: 'NotFound', message: 'no such operation' } });
    }
    const conversationId = decodeURIComponent(match[1]!);
    const activityId = match[2] === undefined ? undefined : decodeURIComponent(match[2]);
    let activity: Record<string, unknown>;
    try {
      activity = JSON.parse(await readBody(req)) as Record<string, unknown>;
    } catch {
      return answer(res, 400, { error: { code: 'BadSyntax', message: 'body is not JSON' } });
    }
    const call: ConnectorCall = {
      method,
      kind: method === 'PUT' ? 'update' : activityId ? 'reply' : 'send',
      conversationId,
      activityId,
      activity,
      authorization: req.headers.authorization,
      status: 0,
    };
    calls.push(call);

    const failure = failures.shift();
    if (failure) {
      call.status = failure.status;
      const headers: Record<string, string> = failure.retryAfter === undefined ? {} : { 'retry-after': String(failure.retryAfter) };
      return answer(res, failure.status, { error: { code: failure.code ?? 'ServiceError', message: `fake failure ${failure.status}` } }, headers);
    }
    if (typeof activity.type !== 'string') {
      call.status = 400;
      return answer(res, 400, { error: { code: 'MissingProperty', message: 'activity type is required' } });
    }
    call.status = method === 'PUT' ? 200 : 201;
    call.answeredId = method === 'PUT' ? activityId : `1:${randomUUID()}`;
    return answer(res, call.status, { id: call.answeredId });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/`,
    calls,
    delivered: () => calls.filter((c) => c.status >= 200 && c.status < 300),
    failNext(times, failure) {
      for (let i = 0; i < times; i++) failures.push(failure);
    },
    setMembers(conversationId, members) {
      membersOf.set(conversationId, members);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function answer(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}
