import { useEffect, useState } from 'react';
import type { Host } from './host';
import type { ConsoleLink } from './session';
import { SignIn } from './sign-in';
import type { Kit } from './ui/kit';
import { KitProvider, loadKit } from './ui/kit-context';

/** Loads the host's look once, then signs in inside it. */
export function App({ link, host }: { link: ConsoleLink; host: Host }) {
  const [kit, setKit] = useState<Kit | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    document.documentElement.dataset.host = host;
    loadKit(host).then(setKit, () => setFailed(true));
  }, [host]);

  if (!kit) {
    return (
      <main className="console-signed-out">
        <h1>Parley console</h1>
        {failed ? (
          <p role="alert" data-testid="console-error">
            The console could not be loaded. Check your connection and reload the page.
          </p>
        ) : (
          <p role="status" data-testid="console-status">
            Loading…
          </p>
        )}
      </main>
    );
  }
  const { Theme } = kit;
  return (
    <KitProvider value={kit}>
      <Theme>
        <SignIn link={link} host={host} />
      </Theme>
    </KitProvider>
  );
}
