/**
 * What the in-process vendor fakes (Zendesk, Sunshine Conversations) share: a
 * loopback HTTP server, JSON answers, and the failures a real vendor produces on
 * demand. Each fake still speaks its own vendor's wire format, credentials and
 * error bodies; nothing here is shared with the API clients, so a fake cannot
 * agree with a client's mistake.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A failure the next request gets instead of its answer. */
export interface InjectedFailure {
  status: number;
  retryAfterSeconds?: number;
}

/** The knobs tests and the demo turn; the fakes expose them as they are. */
export interface FailureControls {
  /** The next `count` authorized requests get `status` (with Retry-After when given). */
  failNext(count: number, status: number, options?: { retryAfterSeconds?: number }): void;
  /** This share of authorized requests is answered 429, as when the quota is spent. */
  setRateLimit(ratio: number, options?: { retryAfterSeconds?: number }): void;
  setServerErrors(ratio: number, status?: number): void;
}

export interface FailureInjector {
  controls: FailureControls;
  /** The failure this request gets, if any: queued ones first, then the rate limit, then server errors. */
  next(): InjectedFailure | undefined;
}

/** `random` is consumed only while a ratio is set, so seeded runs stay reproducible. */
export function failureInjector(random: () => number): FailureInjector {
  const queued: InjectedFailure[] = [];
  let rateLimit = { ratio: 0, retryAfterSeconds: 1 };
  let serverErrors = { ratio: 0, status: 503 };
  return {
    controls: {
      failNext(count, status, options = {}) {
        for (let i = 0; i < count; i++) queued.push({ status, retryAfterSeconds: options.retryAfterSeconds });
      },
      setRateLimit(ratio, options = {}) {
        rateLimit = { ratio, retryAfterSeconds: options.retryAfterSeconds ?? 1 };
      },
      setServerErrors(ratio, status = 503) {
        serverErrors = { ratio, status };
      },
    },
    next() {
      const failure = queued.shift();
      if (failure) return failure;
      if (rateLimit.ratio > 0 && random() < rateLimit.ratio) return { status: 429, retryAfterSeconds: rateLimit.retryAfterSeconds };
      if (serverErrors.ratio > 0 && random() < serverErrors.ratio) return { status: serverErrors.status };
      return undefined;
    },
  };
}

export function retryAfterHeader(failure: InjectedFailure): Record<string, string> {
  return failure.retryAfterSeconds === undefined ? {} : { 'retry-after': String(failure.retryAfterSeconds) };
}

export function replyJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

export interface LoopbackServer {
  /** `http://127.0.0.1:{port}`, no trailing slash. */
  url: string;
  /** Cuts open connections first, or close() would wait for keep-alive and hung ones. */
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 only, on a free port; a handler that throws is answered with a bare 500. */
export async function listenOnLoopback(handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<LoopbackServer> {
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
