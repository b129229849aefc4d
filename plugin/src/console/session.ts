/** What the console was opened with. */
export type ConsoleLink = { kind: 'session'; token: string } | { kind: 'invalid' } | { kind: 'none' };

/** A Parley session token: a compact JWS. */
const TOKEN_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;
const SCREEN_SHAPE = /^\/[a-z-]{1,40}$/;
const ACCOUNT_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Reads the session handed over in the fragment after single sign-on (`#session=…`, optionally with
 * `&route=/onboarding`) and removes it from the address bar at once, so it is not bookmarked, shared
 * or kept in history. The token then lives in this page's memory only: never in storage or cookies.
 * A fragment without a session is a screen (`#/audit`) and stays.
 */
export function takeConsoleLink(): ConsoleLink {
  const { hash, pathname, search } = window.location;
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const token = params.get('session');
  if (token === null) return { kind: 'none' };
  const route = params.get('route');
  const screen = route && SCREEN_SHAPE.test(route) ? `#${route}` : '';
  history.replaceState(history.state, '', `${pathname}${search}${screen}`);
  return TOKEN_SHAPE.test(token) ? { kind: 'session', token } : { kind: 'invalid' };
}

/** A new sign-in landing in an open console changes only the fragment. */
export function fragmentCarriesSession(hash: string): boolean {
  return new URLSearchParams(hash.replace(/^#/, '')).has('session');
}

/** The account to offer sign-in for when there is no session: `?account=<id>` in the console's address. */
export function accountFromAddress(): string | null {
  const account = new URLSearchParams(window.location.search).get('account');
  return account && ACCOUNT_SHAPE.test(account) ? account : null;
}

export function signInUrl(accountId: string): string {
  return `/auth/saml/${encodeURIComponent(accountId)}/login`;
}

/** The only copy of the console's session, in page memory. Routes the console calls take it from here. */
export class HeldSession {
  private token: string | null = null;

  hold(token: string): void {
    this.token = token;
  }

  /** The bearer token for API calls; null once signed out. */
  current(): string | null {
    return this.token;
  }

  drop(): void {
    this.token = null;
  }
}
