import { api, ApiError, type ApiOptions } from '../api';
import type { DemoSessionRequest, DemoSessionResponse } from '../api-types';

/** The element the backend writes the session into when Zendesk's signed POST opened the sidebar. */
const HANDOVER_ID = 'parley-session';

/**
 * The session the backend handed over with the page (POST /zendesk/sidebar). The sidebar takes it
 * out of the DOM as its first step, so that from then on it lives in an AgentSession's memory only.
 */
export function takeHandedOverSession(): DemoSessionResponse | null {
  const element = document.getElementById(HANDOVER_ID);
  if (!element) return null;
  element.remove();
  try {
    const value = JSON.parse(element.textContent ?? '') as Partial<DemoSessionResponse>;
    if (typeof value.token !== 'string' || typeof value.expiresAt !== 'string' || typeof value.agent?.name !== 'string') return null;
    return value as DemoSessionResponse;
  } catch {
    return null;
  }
}

/** The demo page frames the sidebar from the same origin; Zendesk frames it from another one, which the browser will not let us read. */
function framedByDemoPage(): boolean {
  try {
    return window.parent !== window && window.parent.location.origin === window.location.origin && window.parent.location.pathname === '/demo';
  } catch {
    return false;
  }
}

/** A handed-over session cannot renew itself: only a new signed load from Zendesk brings a new one. */
export class SessionEndedError extends Error {
  override readonly name = 'SessionEndedError';
}

/** Zendesk loads the sidebar again, signed, when the agent reloads the apps or the page. */
const SESSION_ENDED_MESSAGE = 'Your Parley session has ended. To sign in again, reload the apps in Zendesk’s apps panel, or reload the browser page.';

/**
 * The agent's sign-in against the backend. The bearer token lives in this
 * object only: never in storage or cookies, so it dies with the sidebar.
 * Opened from Zendesk, the session comes with the page; the demo page alone
 * signs in with the ids it is given.
 */
export class AgentSession {
  #token: string | null = null;
  #usedHandover = false;
  /** Once set, it stays: every later request fails with it, without asking the server. */
  #ended: SessionEndedError | null = null;
  readonly #endedListeners: ((error: SessionEndedError) => void)[] = [];

  constructor(
    private readonly identity: DemoSessionRequest,
    private readonly handedOver: DemoSessionResponse | null,
  ) {}

  /** True when Zendesk's signed load brought the session; false on the demo page. */
  get signedInByHost(): boolean {
    return this.handedOver !== null;
  }

  get ended(): boolean {
    return this.#ended !== null;
  }

  /**
   * `listener` hears once, synchronously, before the request that found out fails with the same
   * error: a view that stops polling here never sees that error as a failed poll.
   */
  onEnded(listener: (error: SessionEndedError) => void): void {
    this.#endedListeners.push(listener);
  }

  async signIn(): Promise<DemoSessionResponse> {
    if (this.#ended) throw this.#ended;
    if (this.handedOver) {
      if (this.#usedHandover || Date.parse(this.handedOver.expiresAt) <= Date.now()) throw this.#end(SESSION_ENDED_MESSAGE);
      this.#usedHandover = true;
      this.#token = this.handedOver.token;
      return this.handedOver;
    }
    if (!framedByDemoPage()) throw this.#end('Parley could not sign you in. Open it from a ticket in Zendesk.');
    const session = await api<DemoSessionResponse>('/api/demo/session', { method: 'POST', body: this.identity });
    this.#token = session.token;
    return session;
  }

  /** An authenticated call; an expired token is renewed once (demo) or reported (Zendesk), then the call is retried. */
  async request<T>(path: string, options: Omit<ApiOptions, 'token'> = {}): Promise<T> {
    if (this.#ended) throw this.#ended;
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

  #end(message: string): SessionEndedError {
    this.#token = null;
    const ended = new SessionEndedError(message);
    this.#ended = ended;
    for (const listener of this.#endedListeners) listener(ended);
    return ended;
  }
}
