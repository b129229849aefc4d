import { api, ApiError } from '../api';
import { byId, clearError, showError } from '../dom';
import { NotInTeamsError, teamsSignIn, type TeamsSession } from '../teams/sso';

/** `GET /api/me`: only the roles matter here. */
interface Me {
  roles: string[];
}

/** The server also says whether this user is an admin who still has to finish setting Parley up, and where. */
type TabSession = TeamsSession & { onboarding?: { required: boolean; url: string } };

const CONSOLE = '/app/console.html?host=teams';

/** The console page the server named, on this origin and in the Teams look; anything else falls back to the console. */
function consoleAddress(url: string): string {
  let target: URL;
  try {
    target = new URL(url, window.location.origin);
  } catch {
    return CONSOLE;
  }
  if (target.origin !== window.location.origin || !target.pathname.startsWith('/app/')) return CONSOLE;
  target.searchParams.set('host', 'teams');
  return `${target.pathname}${target.search}${target.hash}`;
}

const status = byId('tab-status', HTMLElement);
const alert = byId('tab-error', HTMLElement);
const retry = byId('tab-retry', HTMLButtonElement);
const notInTeams = byId('not-in-teams', HTMLElement);
const signedIn = byId('signed-in', HTMLElement);
const agentName = byId('agent-name', HTMLElement);
const admin = byId('admin', HTMLElement);
const adminText = byId('admin-text', HTMLElement);
const consoleLink = byId('console-link', HTMLAnchorElement);

/** Roles only decide what this page offers; the console checks every request on its own. */
async function isAdmin(token: string): Promise<boolean> {
  try {
    const me = await api<Me>('/api/me', { token });
    return me.roles.includes('admin');
  } catch {
    return false;
  }
}

function showSignedIn(session: TabSession, canAdminister: boolean): void {
  agentName.textContent = session.agent.name;
  const setUp = session.onboarding?.required === true;
  if (setUp) {
    adminText.textContent = 'Parley is not set up yet: nothing is recorded until an administrator finishes the set-up in the Parley console.';
    consoleLink.textContent = 'Finish setting up Parley';
    consoleLink.href = consoleAddress(session.onboarding!.url);
  }
  admin.hidden = !(canAdminister || setUp);
  status.hidden = true;
  signedIn.hidden = false;
}

async function start(): Promise<void> {
  clearError(alert);
  retry.hidden = true;
  status.hidden = false;
  status.textContent = 'Signing you in with Teams…';
  let session: TabSession;
  try {
    session = await teamsSignIn();
  } catch (error) {
    status.hidden = true;
    if (error instanceof NotInTeamsError) {
      notInTeams.hidden = false;
      return;
    }
    showError(alert, error);
    // A 401 means this account cannot use Parley (not installed, not set up); trying again changes nothing.
    retry.hidden = error instanceof ApiError && error.status === 401;
    return;
  }
  showSignedIn(session, await isAdmin(session.token));
}

retry.addEventListener('click', () => void start());
void start();
