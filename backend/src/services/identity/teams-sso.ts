/** What Teams tab sign-in needs from Entra ID: a verified SSO token. Implemented by `adapters/teams/entra-sso-tokens.ts`. */
export interface TeamsSsoTokens {
  /** Verifies signature, issuer (per token version and tenant), audience, lifetime, `scp` and `oid`; throws otherwise. */
  verify(token: string): Promise<TeamsSsoClaims>;
}

export interface TeamsSsoClaims {
  /** Entra tenant id (`tid`): the Teams installation. */
  teamsTenantId: string;
  /** Entra object id (`oid`): the user, stable across apps. */
  objectId: string;
  name: string | null;
  /** `preferred_username` (v2) or `upn` (v1). */
  userName: string | null;
}

/** The token was refused; `reason` completes "The Teams sign-in token …". */
export class TeamsTokenRefused extends Error {
  override readonly name = 'TeamsTokenRefused';
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** Entra's signing keys could not be fetched. */
export class EntraKeysUnavailable extends Error {
  override readonly name = 'EntraKeysUnavailable';
}
