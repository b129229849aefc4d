import type { z } from 'zod';
import {
  errorBodySchema,
  messageListResponseSchema,
  messagePostResponseSchema,
  type SuncoClientConfig,
  type SuncoMessage,
  type SuncoMessagePost,
} from './types.js';

/** SunCo answered with a status that is not 2xx. */
export class SuncoHttpError extends Error {
  override readonly name = 'SuncoHttpError';
  constructor(
    readonly status: number,
    /** SunCo's error code (e.g. conversation_not_found), never its title. */
    readonly code: string | undefined,
    readonly retryAfterMs: number | undefined,
  ) {
    super(`HTTP ${status}${code ? ` ${code}` : ''}`);
  }
}

/** No answer: connection refused or reset, DNS, or the timeout ran out. */
export class SuncoUnreachableError extends Error {
  override readonly name = 'SuncoUnreachableError';
  constructor(
    message: string,
    readonly timedOut: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A 2xx answer we cannot read. */
export class SuncoResponseError extends Error {
  override readonly name = 'SuncoResponseError';
}

/** The configured base URL cannot be called; no retry fixes that. */
export class SuncoConfigError extends Error {
  override readonly name = 'SuncoConfigError';
}

/** Retry-After is seconds or an HTTP date; anything else is ignored rather than guessed. */
export function parseRetryAfter(value: string | null, nowMs: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

function messagesUrl(baseUrl: string, appId: string, conversationId: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new SuncoConfigError('the SunCo base URL is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new SuncoConfigError('the SunCo base URL must be http(s)');
  const base = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  return `${base}/v2/apps/${encodeURIComponent(appId)}/conversations/${encodeURIComponent(conversationId)}/messages`;
}

/** The two Messages calls Parley makes, with typed failures and zod-checked answers. */
export class SuncoApi {
  private readonly fetch: typeof fetch;
  private readonly authorization: string;

  constructor(private readonly config: SuncoClientConfig) {
    this.fetch = config.fetch ?? globalThis.fetch;
    this.authorization = `Basic ${Buffer.from(`${config.auth.keyId}:${config.auth.secret}`).toString('base64')}`;
  }

  /**
   * Posts a message. Any 2xx means SunCo accepted it, so an answer we cannot read
   * is returned as `undefined` rather than thrown: a retry would post it twice.
   */
  async postMessage(baseUrl: string, conversationId: string, message: SuncoMessagePost): Promise<SuncoMessage | undefined> {
    const text = await this.send('POST', messagesUrl(baseUrl, this.config.appId, conversationId), JSON.stringify(message));
    const parsed = messagePostResponseSchema.safeParse(safeJson(text));
    return parsed.success ? parsed.data.messages[0] : undefined;
  }

  /** The conversation's most recent page of messages (SunCo's default page, newest last). */
  async recentMessages(baseUrl: string, conversationId: string): Promise<SuncoMessage[]> {
    const text = await this.send('GET', messagesUrl(baseUrl, this.config.appId, conversationId));
    return parse(text, messageListResponseSchema).messages;
  }

  private async send(method: 'GET' | 'POST', url: string, body?: string): Promise<string> {
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
      if (signal.aborted) throw new SuncoUnreachableError(`no answer within ${this.config.timeoutMs} ms`, true, { cause: error });
      throw new SuncoUnreachableError(`request failed: ${reasonOf(error)}`, false, { cause: error });
    }
    if (status >= 200 && status < 300) return text;
    const retryAfterMs = status === 429 ? parseRetryAfter(headers.get('retry-after')) : undefined;
    throw new SuncoHttpError(status, errorCodeOf(text), retryAfterMs);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parse<T extends z.ZodType>(text: string, schema: T): z.infer<T> {
  const parsed = schema.safeParse(safeJson(text));
  if (!parsed.success) throw new SuncoResponseError(`unexpected answer shape at ${parsed.error.issues[0]?.path.join('.') || '(root)'}`);
  return parsed.data;
}

function errorCodeOf(text: string): string | undefined {
  const parsed = errorBodySchema.safeParse(safeJson(text));
  return parsed.success ? parsed.data.errors[0]?.code.slice(0, 80) : undefined;
}

/** fetch hides the socket error in `cause`; its code (ECONNREFUSED, …) is what an operator needs. */
function reasonOf(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message.slice(0, 120);
  return error instanceof Error ? error.message.slice(0, 120) : 'unknown';
}
