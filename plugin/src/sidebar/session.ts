import { api, ApiError, type ApiOptions } from '../api';
import type { DemoSessionRequest, DemoSessionResponse } from '../api-types';

/**
 * The agent's sign-in against the backend. The bearer token lives in this
 * object only: never in storage or cookies, so it dies with the sidebar.
 */
export class AgentSession {
  #token: string | null = null;

  constructor(private readonly identity: DemoSessionRequest) {}

  async signIn(): Promise<DemoSessionResponse> {
    const session = await api<DemoSessionResponse>('/api/demo/session', { method: 'POST', body: this.identity });
    this.#token = session.token;
    return session;
  }

  /** An authenticated call; an expired token is renewed once, then the call is retried. */
  async request<T>(path: string, options: Omit<ApiOptions, 'token'> = {}): Promise<T> {
    if (this.#token === null) await this.signIn();
    try {
      return await api<T>(path, { ...options, token: this.#token ?? undefined });
    } catch (error) {
      // 401 means the request was not processed, so repeating it cannot double an escalation.
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
      await this.signIn();
      return api<T>(path, { ...options, token: this.#token ?? undefined });
    }
  }
}
