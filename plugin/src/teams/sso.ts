import { app, authentication } from '@microsoft/teams-js';
import { api } from '../api';

/** A Parley session opened from Teams (`POST /api/teams/session`). The token lives in the caller's memory only. */
export interface TeamsSession {
  token: string;
  expiresAt: string;
  agent: { id: string; name: string };
}

/** The page is not running inside Teams (or another Microsoft 365 host), so there is nobody to ask for a sign-in token. */
export class NotInTeamsError extends Error {
  override readonly name = 'NotInTeamsError';
}

/** Teams would not hand out an SSO token; `reason` is Teams' own code, e.g. resourceRequiresConsent. */
export class TeamsTokenError extends Error {
  override readonly name = 'TeamsTokenError';
  constructor(readonly reason: string) {
    super(
      reason === 'resourceRequiresConsent' || reason === 'consent_required'
        ? 'Teams needs consent before Parley can sign you in. Ask your Microsoft 365 administrator to grant Parley admin consent in Entra ID.'
        : `Teams could not sign you in to Parley (${reason}). Close Parley and open it again; if it keeps failing, tell your administrator.`,
    );
  }
}

// A page framed by anything but a Microsoft host gets no answer to the handshake at all; give up rather than wait forever.
const HANDSHAKE_TIMEOUT_MS = 8_000;

let initialised: Promise<void> | undefined;

/** Starts TeamsJS once per page. Rejects with NotInTeamsError when no Microsoft host answers. */
export function initialiseTeams(): Promise<void> {
  initialised ??= new Promise<void>((resolve, reject) => {
    const notInTeams = () => reject(new NotInTeamsError('Parley’s Teams tab only works inside Microsoft Teams. Open Parley from the Teams app bar.'));
    const timer = window.setTimeout(notInTeams, HANDSHAKE_TIMEOUT_MS);
    app.initialize().then(
      () => {
        window.clearTimeout(timer);
        resolve();
      },
      () => {
        window.clearTimeout(timer);
        notInTeams();
      },
    );
  });
  return initialised;
}

/**
 * Signs the Teams user in to Parley: TeamsJS gets an Entra ID SSO token for Parley's app
 * registration (webApplicationInfo in the Teams manifest), and the backend trades it for a Parley
 * session after checking it against Microsoft's keys. Nothing is stored: call it again for a new session.
 */
export async function teamsSignIn(): Promise<TeamsSession> {
  await initialiseTeams();
  let ssoToken: string;
  try {
    ssoToken = await authentication.getAuthToken();
  } catch (error) {
    throw new TeamsTokenError(error instanceof Error ? error.message : String(error));
  }
  return api<TeamsSession>('/api/teams/session', { method: 'POST', token: ssoToken });
}
