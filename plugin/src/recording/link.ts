/** What the viewer page was opened with. */
export type ViewerLink =
  | { kind: 'ticket'; ticket: string }
  /** The ticket note's link: names the recording but cannot play it. */
  | { kind: 'recording' }
  | { kind: 'invalid' }
  | { kind: 'none' };

/** The shape of a signed playback ticket (a compact JWS), as the media routes accept it. */
const TICKET_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/**
 * Reads the playback ticket from the fragment and removes it from the address
 * bar, so it is not bookmarked, shared or kept in history.
 */
export function takeViewerLink(): ViewerLink {
  const { hash, pathname, search } = window.location;
  if (hash) history.replaceState(history.state, '', `${pathname}${search}`);
  const ticket = new URLSearchParams(hash.replace(/^#/, '')).get('ticket');
  if (ticket !== null) return TICKET_SHAPE.test(ticket) ? { kind: 'ticket', ticket } : { kind: 'invalid' };
  if (new URLSearchParams(search).has('recording')) return { kind: 'recording' };
  return { kind: 'none' };
}
