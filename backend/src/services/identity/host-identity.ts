import { EntraSsoTokens } from '../../adapters/teams/entra-sso-tokens.js';
import { ZendeskApiDirectory } from '../../adapters/zendesk/directory.js';
import type { ZendeskAuth } from '../../adapters/zendesk/types.js';
import type { Config } from '../../config.js';
import type { TeamsSsoTokens } from './teams-sso.js';
import type { ZendeskDirectory } from './zendesk-directory.js';
import { ZendeskPublicKeys } from './zendesk-public-keys.js';

/** How Parley learns who is signing in from a host. A host left out here cannot sign anyone in. */
export interface HostIdentity {
  zendesk?: ZendeskIdentity;
  teams?: TeamsIdentity;
}

export interface ZendeskIdentity {
  /** Parley's Zendesk app id: its key signs the signed-URL tokens. */
  appId: string;
  /** The API origin of an account, e.g. https://acme.zendesk.com (or one fixed origin: a fake, a proxy). */
  accountOrigin(subdomain: string): string;
  directory: ZendeskDirectory;
  publicKeys: ZendeskPublicKeys;
}

export interface TeamsIdentity {
  tokens: TeamsSsoTokens;
}

export interface HostIdentitySettings {
  zendesk?: {
    appId: string;
    /** Replaces every account's origin (ZENDESK_API_BASE_URL). */
    apiBaseUrl?: string;
    auth: ZendeskAuth;
    timeoutMs: number;
  };
  teams?: { jwksUrl: string; audiences: string[] };
}

/** Builds the verifiers once per process, so the public-key and JWKS caches live across requests. */
export function createHostIdentity(settings: HostIdentitySettings): HostIdentity {
  const identity: HostIdentity = {};
  if (settings.zendesk) {
    const { appId, apiBaseUrl, auth, timeoutMs } = settings.zendesk;
    const directory = new ZendeskApiDirectory({ auth, timeoutMs });
    const accountOrigin = (subdomain: string) => apiBaseUrl ?? `https://${subdomain}.zendesk.com`;
    identity.zendesk = {
      appId,
      accountOrigin,
      directory,
      publicKeys: new ZendeskPublicKeys({ fetchPem: (subdomain) => directory.appPublicKey(accountOrigin(subdomain), appId) }),
    };
  }
  if (settings.teams) identity.teams = { tokens: new EntraSsoTokens(settings.teams) };
  return identity;
}

/** The settings as config has them: Zendesk sign-in needs the app id and API credentials. */
export function hostIdentitySettings(config: Pick<Config, 'identity' | 'zendesk'>): HostIdentitySettings {
  const { zendeskAppId, teams } = config.identity;
  const { apiBaseUrl, auth, timeoutMs } = config.zendesk;
  return { zendesk: zendeskAppId && auth ? { appId: zendeskAppId, apiBaseUrl, auth, timeoutMs } : undefined, teams };
}
