import { randomBytes } from 'node:crypto';

export type Reply = Record<string, unknown> & { janus: string; plugindata?: { data: Record<string, unknown> }; error?: { code: number; reason: string } };

/**
 * A browser as a hostile customer would script it: Janus' HTTP transport spoken by hand, with
 * whatever token it holds, asking the VideoRoom for things only the backend may do.
 */
export class ScriptedBrowser {
  private session = 0;
  private handle = 0;

  constructor(
    private readonly url: string,
    private readonly token: string | undefined,
  ) {}

  private async post(pathname: string, body: Record<string, unknown>): Promise<Reply> {
    const transaction = randomBytes(6).toString('hex');
    const reply = await fetch(`${this.url}${pathname}`, {
      method: 'POST',
      body: JSON.stringify({ ...body, transaction, ...(this.token ? { token: this.token } : {}) }),
    });
    const answer = (await reply.json()) as Reply;
    if (answer.janus !== 'ack') return answer;
    // Plugin answers come as events on the long poll.
    for (let i = 0; i < 20; i++) {
      const poll = await fetch(`${this.url}/${this.session}?maxev=1${this.token ? `&token=${this.token}` : ''}`);
      const event = (await poll.json()) as Reply;
      if (event.transaction === transaction) return event;
    }
    throw new Error('no answer from the VideoRoom');
  }

  async connect(): Promise<Reply> {
    const created = await this.post('', { janus: 'create' });
    if (created.janus !== 'success') return created;
    this.session = (created.data as { id: number }).id;
    const attached = await this.post(`/${this.session}`, { janus: 'attach', plugin: 'janus.plugin.videoroom' });
    if (attached.janus === 'success') this.handle = (attached.data as { id: number }).id;
    return attached;
  }

  message(body: Record<string, unknown>): Promise<Reply> {
    return this.post(`/${this.session}/${this.handle}`, { janus: 'message', body });
  }
}

export const pluginData = (reply: Reply) => reply.plugindata?.data ?? {};

/** Opens a Janus session with a token, as a browser's first request does: does the gateway accept the token? */
export async function gatewayAccepts(janusUrl: string, token: string): Promise<boolean> {
  const reply = await fetch(janusUrl, { method: 'POST', body: JSON.stringify({ janus: 'create', transaction: randomBytes(6).toString('hex'), token }) });
  return ((await reply.json()) as { janus: string }).janus === 'success';
}
