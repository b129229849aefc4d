import { createContext, useContext } from 'react';
import type { Host } from '../host';
import type { Kit } from './kit';

const KitContext = createContext<Kit | null>(null);

export const KitProvider = KitContext.Provider;

/** The host's controls. Every screen takes its buttons, fields and tables from here. */
export function useKit(): Kit {
  const kit = useContext(KitContext);
  if (!kit) throw new Error('useKit() outside <KitProvider>');
  return kit;
}

/**
 * Chosen once, at the root, by host. Each design system is a separate chunk: a Zendesk admin never
 * downloads Fluent UI and a Teams admin never downloads Garden.
 */
export async function loadKit(host: Host): Promise<Kit> {
  switch (host) {
    case 'zendesk':
      return (await import('./garden')).gardenKit;
    case 'teams':
      return (await import('./fluent')).fluentKit;
    default: {
      const _never: never = host;
      throw new Error(`unknown host ${String(_never)}`);
    }
  }
}
