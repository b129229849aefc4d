import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../api';
import type { Me } from '../api-types';
import type { Host } from './host';
import { accountFromAddress, signInUrl, type ConsoleLink } from './session';
import { Shell } from './shell';
import { ErrorAlert } from './ui/error-alert';
import { useKit } from './ui/kit-context';

type Phase =
  | { kind: 'signing-in' }
  | { kind: 'signed-out'; text: string }
  | { kind: 'failed'; error: unknown }
  | { kind: 'signed-in'; token: string; me: Me };

const texts = {
  none: 'Sign in through your company’s identity provider to use the console.',
  invalid: 'This sign-in link is not valid. Sign in again.',
  expired: 'Your session has expired or is no longer valid. Sign in again.',
};

/** Teams' SSO lives in its own chunk: only the Teams host needs teams-js. */
async function signInWithTeams(): Promise<string> {
  const { teamsSignIn } = await import('../teams/sso');
  return (await teamsSignIn()).token;
}

/**
 * Gets the console a session: from the fragment a SAML sign-in (or the host) handed over, or in
 * Teams from the tab's single sign-on. The token lives in this component's memory only.
 */
export function SignIn({ link, host }: { link: ConsoleLink; host: Host }) {
  const [phase, setPhase] = useState<Phase>({ kind: 'signing-in' });
  const account = useRef<string | null>(accountFromAddress());

  const open = useCallback(async (token: string) => {
    try {
      const me = await api<Me>('/api/me', { token });
      account.current = me.tenantId;
      setPhase({ kind: 'signed-in', token, me });
    } catch (error) {
      setPhase(error instanceof ApiError && error.status === 401 ? { kind: 'signed-out', text: texts.expired } : { kind: 'failed', error });
    }
  }, []);

  const teams = useCallback(async () => {
    setPhase({ kind: 'signing-in' });
    try {
      await open(await signInWithTeams());
    } catch (error) {
      setPhase({ kind: 'failed', error });
    }
  }, [open]);

  useEffect(() => {
    if (link.kind === 'session') void open(link.token);
    else if (link.kind === 'invalid') setPhase({ kind: 'signed-out', text: texts.invalid });
    else if (host === 'teams') void teams();
    else setPhase({ kind: 'signed-out', text: texts.none });
  }, [link, host, open, teams]);

  const signedOut = useCallback((text: string) => setPhase({ kind: 'signed-out', text }), []);

  if (phase.kind === 'signed-in') {
    return <Shell token={phase.token} initialMe={phase.me} host={host} onSignedOut={signedOut} />;
  }
  return <SignedOutPage phase={phase} host={host} account={account.current} onTeamsSignIn={() => void teams()} />;
}

function SignedOutPage({ phase, host, account, onTeamsSignIn }: { phase: Exclude<Phase, { kind: 'signed-in' }>; host: Host; account: string | null; onTeamsSignIn: () => void }) {
  const { Heading, Text, Button, Link } = useKit();
  const focusTarget = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (phase.kind !== 'signed-out') return;
    const region = focusTarget.current;
    (region?.querySelector<HTMLElement>('[data-testid=sign-in]') ?? region?.querySelector<HTMLElement>('[tabindex]'))?.focus();
  }, [phase]);

  return (
    <main className="console-signed-out" aria-labelledby="console-title">
      <Heading level={1} id="console-title">
        Parley console
      </Heading>
      {phase.kind === 'signing-in' ? (
        <p role="status" className="console-muted" data-testid="console-status">
          Signing you in…
        </p>
      ) : null}
      {phase.kind === 'failed' ? <ErrorAlert error={phase.error} title="You could not be signed in" /> : null}
      {phase.kind === 'failed' && host === 'teams' ? (
        <Button onClick={onTeamsSignIn} testId="sign-in">
          Try again
        </Button>
      ) : null}
      {phase.kind === 'signed-out' ? (
        <div ref={focusTarget} className="console-stack" aria-label="Sign in" role="region">
          <div tabIndex={-1} data-testid="signed-out-text">
            <Text>{phase.text}</Text>
          </div>
          {host === 'teams' ? (
            <Button variant="primary" onClick={onTeamsSignIn} testId="sign-in">
              Sign in with Microsoft Teams
            </Button>
          ) : account ? (
            <Link href={signInUrl(account)} testId="sign-in">
              Sign in with your company account
            </Link>
          ) : null}
        </div>
      ) : null}
    </main>
  );
}
