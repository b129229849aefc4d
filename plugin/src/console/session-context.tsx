import { createContext, useContext } from 'react';
import type { ApiOptions } from '../api';
import type { Me } from '../api-types';
import type { Host } from './host';
import type { Action } from './permissions';

/** The signed-in user, as every screen sees them. */
export interface ConsoleSession {
  host: Host;
  me: Me;
  actions: ReadonlySet<Action>;
  /** A backend call with this session's bearer token; a 401 signs the console out. */
  call<T>(path: string, options?: Omit<ApiOptions, 'token'>): Promise<T>;
  /** Fetches a guarded document (HTML, PDF) with the token. */
  fetchDocument(path: string): Promise<Blob>;
  /** Reads `/api/me` again, e.g. after an admin changed their own roles. */
  refreshMe(): Promise<void>;
}

const SessionContext = createContext<ConsoleSession | null>(null);

export const SessionProvider = SessionContext.Provider;

export function useSession(): ConsoleSession {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession() outside <SessionProvider>');
  return session;
}
