/** What the viewer page was opened with. */
export type ViewerLink =
  | { kind: 'ticket'; ticket: string }
  /**
   * A link that names the recording but cannot play it on its own: the Teams dialog's (`inTeams`),
   * where the page signs the user in with Teams first; the ticket note's, which names the account
   * whose single sign-on can be offered; and the same page back from that sign-in, holding the
   * `session` it handed over.
   */
  | { kind: 'recording'; recordingId: string; inTeams: boolean; account: string | null; session: string | null }
  | { kind: 'invalid' }
  | { kind: 'none' };

/** A compact JWS: the shape of playback tickets and of Parley session tokens. */
const JWS_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;
/** Recording and account ids. */
const ID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Where Teams frames the viewer for the bot's "Play recording" button. */
export const TEAMS_VIEWER_PATH = '/teams/recording';

/** The ticket in a playback link's fragment (`…#ticket=…`), or null when it carries none that could be one. */
export function ticketFromFragment(hash: string): string | null {
  const ticket = new URLSearchParams(hash.replace(/^#/, '')).get('ticket');
  return ticket !== null && JWS_SHAPE.test(ticket) ? ticket : null;
}

/**
 * Reads the playback ticket from the fragment and removes it from the address
 * bar, so it is not bookmarked, shared or kept in history.
 */
export function takeViewerLink(): ViewerLink {
  const { hash, pathname, search } = window.location;
  if (hash) history.replaceState(history.state, '', `${pathname}${search}`);
  if (new URLSearchParams(hash.replace(/^#/, '')).has('ticket')) {
    const ticket = ticketFromFragment(hash);
    return ticket ? { kind: 'ticket', ticket } : { kind: 'invalid' };
  }
  const query = new URLSearchParams(search);
  const recordingId = query.get('recording');
  if (recordingId !== null) {
    if (!ID_SHAPE.test(recordingId)) return { kind: 'invalid' };
    const account = query.get('account');
    const session = new URLSearchParams(hash.replace(/^#/, '')).get('session');
    return {
      kind: 'recording',
      recordingId,
      inTeams: pathname === TEAMS_VIEWER_PATH,
      account: account !== null && ID_SHAPE.test(account) ? account : null,
      session: session !== null && JWS_SHAPE.test(session) ? session : null,
    };
  }
  return { kind: 'none' };
}
