import { useEffect, type ReactNode } from 'react';
import { useKit } from './kit-context';

const TITLE_ID = 'screen-title';

/**
 * One console screen: its h1 and content. The title takes focus when the screen opens, so a
 * screen-reader user hears where they are after following a link, as on a page load.
 */
export function Screen({ title, intro, children }: { title: string; intro?: ReactNode; children: ReactNode }) {
  const { Heading, Text } = useKit();
  useEffect(() => {
    document.getElementById(TITLE_ID)?.focus();
    document.title = `${title} · Parley console`;
  }, [title]);
  return (
    <section aria-labelledby={TITLE_ID} className="console-screen">
      <Heading level={1} id={TITLE_ID} tabIndex={-1}>
        {title}
      </Heading>
      {intro ? <Text muted>{intro}</Text> : null}
      {children}
    </section>
  );
}

/** A titled part of a screen: h2, or h3 inside a part that has its own h2. */
export function Section({ title, children, testId, level = 2 }: { title: string; children: ReactNode; testId?: string; level?: 2 | 3 }) {
  const { Heading } = useKit();
  const id = `section-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return (
    <section aria-labelledby={id} className="console-section" data-testid={testId}>
      <Heading level={level} id={id}>
        {title}
      </Heading>
      {children}
    </section>
  );
}
