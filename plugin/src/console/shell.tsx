import { useCallback, useEffect, useMemo, useState } from 'react';
import { api, apiBlob, ApiError, type ApiOptions } from '../api';
import type { Me, OnboardingResponse } from '../api-types';
import type { Host } from './host';
import { actionsOf } from './permissions';
import { hrefOf, landingScreen, screenFromHash, visibleScreens, type ScreenId } from './routes';
import { AuditScreen } from './screens/audit';
import { MeetingTypesScreen } from './screens/meeting-types/meeting-types';
import { OnboardingScreen } from './screens/onboarding/onboarding';
import { PeopleScreen } from './screens/people/people';
import { RecordingsScreen } from './screens/recordings';
import { RecordsScreen } from './screens/records';
import { RequestsScreen } from './screens/requests/requests';
import { RetentionScreen } from './screens/retention/retention';
import { SessionProvider, type ConsoleSession } from './session-context';
import { useKit } from './ui/kit-context';

const signedOutTexts = {
  expired: 'Your session has expired or is no longer valid. Sign in again.',
  everywhere: 'You are signed out, here and in every other place you were signed in to Parley.',
  hereOnly: 'You are signed out on this page. Parley could not be reached to end your other sessions.',
};

/** The fragment, and a way to change it without a new history entry (replaceState fires no hashchange). */
function useHash(): [string, (hash: string) => void] {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const changed = () => setHash(window.location.hash);
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  const replace = useCallback((next: string) => {
    history.replaceState(history.state, '', next);
    setHash(next);
  }, []);
  return [hash, replace];
}

interface ShellProps {
  token: string;
  initialMe: Me;
  host: Host;
  onSignedOut: (text: string) => void;
}

/** The signed-in console: who is signed in, what they may open, and the open screen. */
export function Shell({ token, initialMe, host, onSignedOut }: ShellProps) {
  const { Nav, Button } = useKit();
  const [me, setMe] = useState(initialMe);
  const [onboardingDone, setOnboardingDone] = useState<boolean | null>(null);
  const actions = useMemo(() => actionsOf(me), [me]);
  const visible = useMemo(() => visibleScreens(actions), [actions]);
  const [hash, replaceHash] = useHash();

  // Stable across changes to the user, so screens do not reload their data when roles change.
  const expired = useCallback(
    (error: unknown): never => {
      if (error instanceof ApiError && error.status === 401) onSignedOut(signedOutTexts.expired);
      throw error;
    },
    [onSignedOut],
  );
  const call = useCallback(<T,>(path: string, options: Omit<ApiOptions, 'token'> = {}) => api<T>(path, { ...options, token }).catch(expired), [token, expired]);
  const fetchDocument = useCallback((path: string) => apiBlob(path, { token }).catch(expired), [token, expired]);
  const refreshMe = useCallback(async () => setMe(await call<Me>('/api/me')), [call]);
  const session = useMemo<ConsoleSession>(() => ({ host, me, actions, call, fetchDocument, refreshMe }), [host, me, actions, call, fetchDocument, refreshMe]);

  // Where to land depends on whether set-up is finished; only those who can finish it are asked.
  useEffect(() => {
    if (!actions.has('configure')) return setOnboardingDone(true);
    call<OnboardingResponse>('/api/admin/onboarding').then(
      ({ onboarding }) => setOnboardingDone(onboarding.completedAt !== null),
      () => setOnboardingDone(true),
    );
  }, [actions, call]);

  const requested = screenFromHash(hash);
  const screen = onboardingDone === null ? null : landingScreen(requested, visible, onboardingDone);
  // The address names the screen shown, so a later change (set-up finished) does not move the admin away.
  useEffect(() => {
    if (screen && screen !== requested) replaceHash(hrefOf(screen));
  }, [screen, requested, replaceHash]);

  const signOut = useCallback(async () => {
    const everywhere = await api('/api/me/sign-out', { method: 'POST', token }).then(
      () => true,
      () => false,
    );
    onSignedOut(everywhere ? signedOutTexts.everywhere : signedOutTexts.hereOnly);
  }, [token, onSignedOut]);

  return (
    <SessionProvider value={session}>
      <div className="console-layout">
        <header className="console-header">
          <p className="console-product">Parley console</p>
          <p data-testid="signed-in-as">
            Signed in as <strong>{me.displayName}</strong> ({me.roles.length > 0 ? me.roles.join(', ') : 'no roles'})
          </p>
          <Button onClick={() => void signOut()} testId="sign-out">
            Sign out
          </Button>
        </header>
        <Nav label="Console" items={visible.map((s) => ({ href: hrefOf(s.id), label: s.title, current: s.id === screen }))} />
        <main className="console-main" id="main">
          {screen ? <ScreenView key={screen} id={screen} onOnboarded={() => setOnboardingDone(true)} /> : null}
          {onboardingDone !== null && !screen ? <NothingToDo /> : null}
        </main>
      </div>
    </SessionProvider>
  );
}

function ScreenView({ id, onOnboarded }: { id: ScreenId; onOnboarded: () => void }) {
  switch (id) {
    case 'onboarding':
      return <OnboardingScreen onCompleted={onOnboarded} />;
    case 'meeting-types':
      return <MeetingTypesScreen />;
    case 'people':
      return <PeopleScreen />;
    case 'recordings':
      return <RecordingsScreen />;
    case 'requests':
      return <RequestsScreen />;
    case 'audit':
      return <AuditScreen />;
    case 'retention':
      return <RetentionScreen />;
    case 'records':
      return <RecordsScreen />;
    default: {
      const _never: never = id;
      return _never;
    }
  }
}

function NothingToDo() {
  const { Heading, Text } = useKit();
  return (
    <>
      <Heading level={1}>Nothing to manage here</Heading>
      <Text>Your roles do not include anything the console manages. An administrator can give you a role under People and roles.</Text>
    </>
  );
}
