/**
 * What sign-in needs from a Zendesk account's API: the app's signing key and who a user is.
 * Implemented over HTTP by `adapters/zendesk/directory.ts`; a fake Zendesk serves the same wire format in tests.
 */
export interface ZendeskDirectory {
  /** The PEM public key the app signs its signed-URL tokens with in this account; undefined when the app is not there. */
  appPublicKey(origin: string, appId: string): Promise<string | undefined>;
  /** Undefined when the account has no such user. */
  user(origin: string, userId: string): Promise<ZendeskDirectoryUser | undefined>;
}

export interface ZendeskDirectoryUser {
  id: string;
  name: string;
  role: 'admin' | 'agent' | 'end-user';
  /** Suspended or deleted in Zendesk. */
  blocked: boolean;
  /** Organizations (with names where Zendesk gives them) and groups the user belongs to. */
  organizations: { id: string; name: string | null }[];
  groupIds: string[];
}

/** The account's API did not answer usefully (unreachable, 5xx, 401 for our credentials, an unreadable body). */
export class ZendeskDirectoryUnavailable extends Error {
  override readonly name = 'ZendeskDirectoryUnavailable';
}
