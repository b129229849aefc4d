/** Where the console runs; it decides the look (Zendesk Garden or Fluent UI) and how it signs in. */
export type Host = 'zendesk' | 'teams';

/** `?host=teams` inside the Teams tab; anything else (or nothing) is Zendesk, the default. */
export function hostFromAddress(search: string): Host {
  return new URLSearchParams(search).get('host') === 'teams' ? 'teams' : 'zendesk';
}
