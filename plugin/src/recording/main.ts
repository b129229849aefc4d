import { api, ApiError } from '../api';
import type { PlaybackAbout, PlaybackResponse } from '../api-types';
import { byId, clearError, showError } from '../dom';
import { takeViewerLink, ticketFromFragment } from './link';
import { RecordingPlayer, type PlaybackEnd } from './player';

// First, before anything can fail or wait: the ticket leaves the address bar.
const link = takeViewerLink();

// A new link pasted into this tab changes only the fragment, which loads nothing by itself.
window.addEventListener('hashchange', () => window.location.reload());

const status = byId('viewer-status', HTMLElement);
const alert = byId('viewer-error', HTMLElement);
const retryButton = byId('viewer-retry', HTMLButtonElement);
const signInLink = byId('viewer-sign-in', HTMLAnchorElement);
const playButton = byId('viewer-play', HTMLButtonElement);

/** Signed in on this page (Teams, or back from single sign-on): a lapsed link is renewed by asking again. */
const renewable = link.kind === 'recording' && (link.session !== null || link.inTeams);

const FROM_SIDEBAR = 'Open the recording from the Parley panel in the ticket sidebar, or in Teams with Play recording on Parley’s message.';

const MESSAGES = {
  recordingLink: `Playing a recording needs a signed-in agent, so this link cannot start it on its own. ${FROM_SIDEBAR}`,
  // Only ticket notes link here: a Teams chat gets a button that opens the viewer inside Teams.
  signInToPlay: 'Playing a recording needs a signed-in agent. Sign in with your organisation’s single sign-on to play it here, or open it from the Parley panel in the ticket sidebar.',
  noLink: `This page plays recordings started from Parley. ${FROM_SIDEBAR}`,
  expired: `This playback link has expired or is not valid. Playback links work for a few minutes only. ${FROM_SIDEBAR}`,
  renew: 'This playback link has run out: playback links work for a few minutes only. Try again for a new one.',
  notFound: 'This recording is not available. It may have been deleted.',
  forbidden: 'You are not allowed to play this recording.',
  failed: `The recording could not be played. ${FROM_SIDEBAR}`,
} as const;

function fail(error: unknown, retryable = false): void {
  status.hidden = true;
  showError(alert, error);
  retryButton.hidden = !retryable;
}

/** Our own words for the answers a viewer can act on, keeping the server's code and reference. */
function explain(error: unknown): { error: unknown; retryable: boolean } {
  if (!(error instanceof ApiError)) return { error, retryable: true };
  const reword = (message: string) => new ApiError(error.status, error.code, message, error.requestId);
  switch (error.status) {
    case 400:
    case 401:
      return renewable ? { error: reword(MESSAGES.renew), retryable: true } : { error: reword(MESSAGES.expired), retryable: false };
    case 403:
      return { error: reword(MESSAGES.forbidden), retryable: false };
    case 404:
      return { error: reword(MESSAGES.notFound), retryable: false };
    case 410:
      // Deleted (retention, erasure, early deletion): the server says which; trying again cannot help.
      return { error, retryable: false };
    default:
      return { error, retryable: true };
  }
}

/** Signs the viewer in and answers their Parley session token; says what it is doing first. */
type SignIn = { doing: string; session: () => Promise<string> };

const withTeams: SignIn = {
  doing: 'Signing you in with Teams…',
  session: async () => {
    const { teamsSignIn } = await import('../teams/sso');
    return (await teamsSignIn()).token;
  },
};

/**
 * Signs in, then asks for a playback link as that user (the server checks them against the
 * recording, and audits the playback), and plays it here.
 */
async function playSignedIn(recordingId: string, signIn: SignIn): Promise<void> {
  clearError(alert);
  retryButton.hidden = true;
  status.hidden = false;
  status.textContent = signIn.doing;
  let ticket: string | null;
  try {
    const token = await signIn.session();
    status.textContent = 'Loading the recording…';
    const { viewerUrl } = await api<PlaybackResponse>(`/api/recordings/${encodeURIComponent(recordingId)}/playback`, { method: 'POST', token });
    ticket = ticketFromFragment(new URL(viewerUrl, window.location.origin).hash);
  } catch (error) {
    if (error instanceof Error && error.name === 'NotInTeamsError') {
      fail(new Error(`This page plays recordings inside Microsoft Teams. ${FROM_SIDEBAR}`));
      return;
    }
    // A session that ended, back from single sign-on: sign in again. A refused Teams sign-in is
    // not a stale link either: the server's own words say what to do.
    if (error instanceof ApiError && error.status === 401 && link.kind === 'recording' && link.session && link.account) {
      offerSignIn(recordingId, link.account);
      return;
    }
    const explained = error instanceof ApiError && error.status === 401 ? { error, retryable: false } : explain(error);
    fail(explained.error, explained.retryable);
    return;
  }
  if (!ticket) {
    fail(new Error(MESSAGES.failed), true);
    return;
  }
  await load(ticket);
}

/** The ticket note's link: offers the account's single sign-on, which comes back here. */
function offerSignIn(recordingId: string, account: string | null): void {
  fail(new Error(account ? MESSAGES.signInToPlay : MESSAGES.recordingLink));
  if (!account) return;
  signInLink.href = `/auth/saml/${encodeURIComponent(account)}/login?recording=${encodeURIComponent(recordingId)}`;
  signInLink.hidden = false;
}

function ended(reason: PlaybackEnd): void {
  if (renewable) fail(new Error(reason === 'expired' ? MESSAGES.renew : MESSAGES.failed), true);
  else fail(new Error(reason === 'expired' ? MESSAGES.expired : MESSAGES.failed));
}

async function load(ticket: string): Promise<void> {
  clearError(alert);
  retryButton.hidden = true;
  status.hidden = false;
  status.textContent = 'Loading the recording…';
  const path = `/media/${encodeURIComponent(ticket)}`;
  let about: PlaybackAbout;
  try {
    about = await api<PlaybackAbout>(`${path}/about`);
  } catch (error) {
    const explained = explain(error);
    fail(explained.error, explained.retryable);
    return;
  }
  const player = new RecordingPlayer(about, ticket, ended);
  if (!player.start()) {
    ended('expired');
    return;
  }
  status.hidden = true;
}

switch (link.kind) {
  case 'ticket': {
    const { ticket } = link;
    retryButton.addEventListener('click', () => void load(ticket));
    void load(ticket);
    break;
  }
  case 'invalid':
    fail(new Error(MESSAGES.expired));
    break;
  case 'recording': {
    const { recordingId, session } = link;
    // Back from single sign-on with a session, or inside Teams, which signs in by itself.
    const signIn: SignIn | null = session ? { doing: 'Loading the recording…', session: () => Promise.resolve(session) } : link.inTeams ? withTeams : null;
    if (!signIn) {
      offerSignIn(recordingId, link.account);
      break;
    }
    retryButton.addEventListener('click', () => void playSignedIn(recordingId, signIn));
    if (link.inTeams) {
      // Teams opens this dialog only for a press of Play recording on Parley's message.
      void playSignedIn(recordingId, signIn);
      break;
    }
    // Back from single sign-on, which any site could have started: playing (an audited access in
    // this user's name) waits for their own click.
    status.textContent = 'You are signed in. Playing the recording is recorded in the audit trail.';
    playButton.hidden = false;
    playButton.addEventListener('click', () => {
      playButton.hidden = true;
      void playSignedIn(recordingId, signIn);
    });
    playButton.focus();
    break;
  }
  case 'none':
    fail(new Error(MESSAGES.noLink));
    break;
}
