/** What the viewer page was opened with. */
export type ViewerLink =
  | { kind: 'ticket'; ticket: string }
  /**
   * A link that names the recording but cannot play it: the ticket note's (`inTeams` false), or
   * the Teams dialog's (`inTeams` true), where the page signs the user in with Teams first.
   */
  | { kind: 'recording'; recordingId: string; inTeams: boolean }
  | { kind: 'invalid' }
  | { kind: 'none' };

/** The shape of a signed playback ticket (a compact JWS), as the media routes accept it. */
const TICKET_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;
const RECORDING_ID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Where Teams frames the viewer for the bot's "Play recording" button. */
export const TEAMS_VIEWER_PATH = '/teams/recording';

/** The ticket in a playback link's fragment (`…#ticket=…`), or null when it carries none that could be one. */
export function ticketFromFragment(hash: string): string | null {
  const ticket = new URLSearchParams(hash.replace(/^#/, '')).get('ticket');
  return ticket !== null && TICKET_SHAPE.test(ticket) ? ticket : null;
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
  const recordingId = new URLSearchParams(search).get('recording');
  if (recordingId !== null) {
    return RECORDING_ID_SHAPE.test(recordingId) ? { kind: 'recording', recordingId, inTeams: pathname === TEAMS_VIEWER_PATH } : { kind: 'invalid' };
  }
  return { kind: 'none' };
}
