import type { z } from 'zod';
import { jsonOrUndefined, normalizeBaseUrl, vendorRequest, type VendorSettings } from '../http/vendor-http.js';
import {
  errorBodySchema,
  messageListResponseSchema,
  messagePostResponseSchema,
  type SuncoClientConfig,
  type SuncoMessage,
  type SuncoMessagePost,
} from './types.js';

/** A 2xx answer we cannot read. */
export class SuncoResponseError extends Error {
  override readonly name = 'SuncoResponseError';
}

/** The configured base URL cannot be called; no retry fixes that. */
export class SuncoConfigError extends Error {
  override readonly name = 'SuncoConfigError';
}

function messagesUrl(baseUrl: string, appId: string, conversationId: string): string {
  const base = normalizeBaseUrl(baseUrl, (reason) => new SuncoConfigError(`the SunCo base URL ${reason}`));
  return `${base}/v2/apps/${encodeURIComponent(appId)}/conversations/${encodeURIComponent(conversationId)}/messages`;
}

/** The two Messages calls Parley makes, with typed failures and zod-checked answers. */
export class SuncoApi {
  private readonly http: VendorSettings;

  constructor(private readonly config: SuncoClientConfig) {
    this.http = {
      vendor: 'SunCo',
      fetch: config.fetch ?? globalThis.fetch,
      authorization: `Basic ${Buffer.from(`${config.auth.keyId}:${config.auth.secret}`).toString('base64')}`,
      timeoutMs: config.timeoutMs,
      // Only a 429's delay is passed on by the deliverer.
      retryAfterStatuses: [429],
      errorCode: errorCodeOf,
    };
  }

  /**
   * Posts a message. Any 2xx means SunCo accepted it, so an answer we cannot read
   * is returned as `undefined` rather than thrown: a retry would post it twice.
   */
  async postMessage(baseUrl: string, conversationId: string, message: SuncoMessagePost): Promise<SuncoMessage | undefined> {
    const text = await this.send('POST', messagesUrl(baseUrl, this.config.appId, conversationId), JSON.stringify(message));
    const parsed = messagePostResponseSchema.safeParse(jsonOrUndefined(text));
    return parsed.success ? parsed.data.messages[0] : undefined;
  }

  /** The conversation's most recent page of messages (SunCo's default page, newest last). */
  async recentMessages(baseUrl: string, conversationId: string): Promise<SuncoMessage[]> {
    const text = await this.send('GET', messagesUrl(baseUrl, this.config.appId, conversationId));
    return parse(text, messageListResponseSchema).messages;
  }

  private async send(method: 'GET' | 'POST', url: string, body?: string): Promise<string> {
    const { text } = await vendorRequest({ ...this.http, method, url, body });
    return text;
  }
}

function parse<T extends z.ZodType>(text: string, schema: T): z.infer<T> {
  const parsed = schema.safeParse(jsonOrUndefined(text));
  if (!parsed.success) throw new SuncoResponseError(`unexpected answer shape at ${parsed.error.issues[0]?.path.join('.') || '(root)'}`);
  return parsed.data;
}

/** SunCo's error body is `{ errors: [{ code, title }] }`; the first code names the failure. */
function errorCodeOf(body: unknown): string | undefined {
  const parsed = errorBodySchema.safeParse(body);
  return parsed.success ? parsed.data.errors[0]?.code : undefined;
}
