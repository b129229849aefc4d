import { api, ApiError } from '../api';
import { byId, clearError, showError } from '../dom';
import { accountFromAddress, HeldSession, signInUrl, takeConsoleLink } from './session';

/** `GET /api/me`. */
interface Me {
  id: string;
  displayName: string;
  tenantId: string;
  roles: string[];
}

// First, before anything can fail or wait: the session leaves the address bar.
const link = takeConsoleLink();

// A new sign-in landing in this tab changes only the fragment, which loads nothing by itself.
window.addEventListener('hashchange', () => window.location.reload());

const status = byId('console-status', HTMLElement);
const alert = byId('console-error', HTMLElement);
const signedIn = byId('signed-in', HTMLElement);
const signedOut = byId('signed-out', HTMLElement);
const signedOutText = byId('signed-out-text', HTMLElement);
const signInLink = byId('sign-in', HTMLAnchorElement);
const meName = byId('me-name', HTMLElement);
const meRoles = byId('me-roles', HTMLElement);
const signOutButton = byId('sign-out', HTMLButtonElement);

const session = new HeldSession();
let account: string | null = accountFromAddress();

function showSignedOut(text: string): void {
  session.drop();
  status.hidden = true;
  signedIn.hidden = true;
  signedOutText.textContent = text;
  signInLink.hidden = account === null;
  if (account) signInLink.href = signInUrl(account);
  signedOut.hidden = false;
}

async function load(token: string): Promise<void> {
  clearError(alert);
  let me: Me;
  try {
    me = await api<Me>('/api/me', { token });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      showSignedOut('Your session has expired or is no longer valid. Sign in again.');
      return;
    }
    status.hidden = true;
    showError(alert, error);
    return;
  }
  session.hold(token);
  account = me.tenantId;
  meName.textContent = me.displayName;
  meRoles.textContent = me.roles.length > 0 ? me.roles.join(', ') : 'no roles';
  status.hidden = true;
  signedOut.hidden = true;
  signedIn.hidden = false;
  signOutButton.focus();
}

signOutButton.addEventListener('click', () => {
  void signOut();
});

/** Ends every session of this user on the server too, then forgets the token here. */
async function signOut(): Promise<void> {
  const token = session.current();
  let everywhere = false;
  if (token) {
    everywhere = await api('/api/me/sign-out', { method: 'POST', token }).then(
      () => true,
      () => false,
    );
  }
  showSignedOut(
    everywhere
      ? 'You are signed out, here and in every other place you were signed in to Parley.'
      : 'You are signed out on this page. Parley could not be reached to end your other sessions.',
  );
  if (signInLink.hidden) signedOutText.focus();
  else signInLink.focus();
}

switch (link.kind) {
  case 'session':
    void load(link.token);
    break;
  case 'invalid':
    showSignedOut('This sign-in link is not valid. Sign in again.');
    break;
  case 'none':
    showSignedOut('Sign in through your company’s identity provider to use the console.');
    break;
}
