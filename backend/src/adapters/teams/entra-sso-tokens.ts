import { createRemoteJWKSet, decodeJwt, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { EntraKeysUnavailable, TeamsTokenRefused, type TeamsSsoClaims, type TeamsSsoTokens } from '../../services/identity/teams-sso.js';

export interface EntraSsoTokensConfig {
  /** Entra's JWKS, e.g. https://login.microsoftonline.com/common/discovery/v2.0/keys (a loopback fake in tests). */
  jwksUrl: string;
  /** Accepted `aud`: the app's Application ID URI (api://…) and/or its client id. */
  audiences: string[];
  timeoutMs?: number;
}

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CLOCK_SKEW_SECONDS = 60;
/** Entra access tokens live 60–90 minutes; a longer past is not one of them. */
const MAX_TOKEN_AGE = '3h';

/** Issuer by token version: v1 tokens come from sts.windows.net, v2 from login.microsoftonline.com. */
function issuerFor(version: unknown, tenantId: string): string | undefined {
  if (version === '1.0') return `https://sts.windows.net/${tenantId}/`;
  if (version === '2.0') return `https://login.microsoftonline.com/${tenantId}/v2.0`;
  return undefined;
}

/**
 * Verifies the token a Teams tab gets from `authentication.getAuthToken()` against Entra's signing
 * keys (jose's remote JWKS: cached, refetched on an unknown key id, with a cooldown). The tenant in
 * the token picks the exact issuer to expect; which tenants may sign in is the caller's decision.
 */
export class EntraSsoTokens implements TeamsSsoTokens {
  private readonly keys: JWTVerifyGetKey;

  constructor(private readonly config: EntraSsoTokensConfig) {
    const remote = createRemoteJWKSet(new URL(config.jwksUrl), { timeoutDuration: config.timeoutMs ?? 5_000 });
    this.keys = async (header, token) => {
      try {
        return await remote(header, token);
      } catch (error) {
        if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
        throw new EntraKeysUnavailable('Entra ID signing keys could not be fetched', { cause: error });
      }
    };
  }

  async verify(token: string): Promise<TeamsSsoClaims> {
    let unverified: ReturnType<typeof decodeJwt>;
    try {
      unverified = decodeJwt(token);
    } catch {
      throw new TeamsTokenRefused('is malformed');
    }
    const tenantId = unverified.tid;
    if (tenantId === undefined) throw new TeamsTokenRefused('lacks the "tid" claim');
    if (typeof tenantId !== 'string' || !guid.test(tenantId)) throw new TeamsTokenRefused('has an invalid "tid" claim');
    const issuer = issuerFor(unverified.ver, tenantId);
    if (!issuer) throw new TeamsTokenRefused('has an unknown token version');

    const { payload } = await jwtVerify(token, this.keys, {
      algorithms: ['RS256'],
      issuer,
      audience: this.config.audiences,
      clockTolerance: CLOCK_SKEW_SECONDS,
      maxTokenAge: MAX_TOKEN_AGE,
      requiredClaims: ['exp', 'iat', 'tid', 'oid', 'scp'],
    });
    const scopes = typeof payload.scp === 'string' ? payload.scp.split(' ') : [];
    if (!scopes.includes('access_as_user')) throw new TeamsTokenRefused('lacks the access_as_user scope');
    if (typeof payload.oid !== 'string' || !guid.test(payload.oid)) throw new TeamsTokenRefused('has an invalid "oid" claim');
    const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, 256) : null);
    return {
      teamsTenantId: tenantId,
      objectId: payload.oid,
      name: text(payload.name),
      userName: text(payload.preferred_username) ?? text(payload.upn),
    };
  }
}
