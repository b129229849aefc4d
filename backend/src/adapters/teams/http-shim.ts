import type { Request as BotRequest, Response as BotResponse } from 'botbuilder';

/**
 * CloudAdapter.process speaks Express: a parsed body on the request, and a response
 * it drives with status/header/send/end. Fetch-style servers (Hono) have neither,
 * so the request is rebuilt from the parsed activity and the response is buffered
 * until the turn is over, then handed back as a web Response.
 */
export function botRequest(method: string, headers: Headers, body: Record<string, unknown>): BotRequest {
  const flat: Record<string, string> = {};
  headers.forEach((value, name) => (flat[name] = value));
  return { method, headers: flat, body };
}

export class BufferedBotResponse implements BotResponse {
  /** CloudAdapter only checks that the property exists (Express and restify both have one). */
  socket: unknown = null;
  private statusCode = 200;
  private readonly headers = new Headers();
  private body: string | undefined;

  status(code: number): this {
    this.statusCode = code;
    return this;
  }

  header(name: string, value: unknown): this {
    this.headers.set(name, String(value));
    return this;
  }

  /** Objects are invoke responses or expectReplies bodies; strings are CloudAdapter's error texts. */
  send(body: unknown): this {
    if (body === undefined || body === null) return this;
    if (typeof body === 'string') {
      this.body = body;
      if (!this.headers.has('content-type')) this.headers.set('content-type', 'text/plain; charset=utf-8');
    } else {
      this.body = JSON.stringify(body);
      this.headers.set('content-type', 'application/json; charset=utf-8');
    }
    return this;
  }

  get sentStatus(): number {
    return this.statusCode;
  }

  /** The turn is over once process() resolves; nothing to flush before that. */
  end(): this {
    return this;
  }

  toResponse(): Response {
    // A null body status (204, 304) must not carry one.
    const body = this.statusCode === 204 || this.statusCode === 304 ? null : (this.body ?? null);
    return new Response(body, { status: this.statusCode, headers: this.headers });
  }
}
