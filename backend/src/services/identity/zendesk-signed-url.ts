import { decodeJwt, jwtVerify } from 'jose';
import { ServiceUnavailableError, UnauthorizedError } from '../../errors.js';
import { tokenRefusal } from './token-errors.js';
import { ZendeskKeyUnavailable, type ZendeskPublicKeys } from './zendesk-public-keys.js';

/** Zendesk subdomains are DNS labels; `iss` is `{subdomain}.zendesk.com`. */
const issuerPattern = /^([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)\.zendesk\.com$/i;
const CLOCK_SKEW_SECONDS = 60;
/** Zendesk's signed-URL tokens live minutes; one claiming a longer past is refused. */
const MAX_TOKEN_AGE = '1h';

export interface ZendeskSignedUrlClaims {
  /** Lower case; the account's installation key. */
  subdomain: string;
  /** The Zendesk user the token speaks for. */
  userId: string;
  installationId: string;
  expiresAt: Date;
}

const refuse = (why: string) => new UnauthorizedError(`The Zendesk sign-in token ${why}. Reload the app in Zendesk.`);

/**
 * Verifies the token Zendesk posts to a `signedUrls` app (RS256, signed with the app's key in that
 * account): signature, `iss` = `{subdomain}.zendesk.com`, `aud` = that account's
 * `https://{subdomain}.zendesk.com/api/v2/apps/installations/{id}.json`, `exp`, `iat` (not in the
 * future beyond a minute), and `sub` naming the user (a Zendesk user id or that user's API URL).
 */
export async function verifyZendeskSignedUrl(token: string, keys: ZendeskPublicKeys): Promise<ZendeskSignedUrlClaims> {
  let unverified: ReturnType<typeof decodeJwt>;
  try {
    unverified = decodeJwt(token);
  } catch {
    throw refuse('is malformed');
  }
  const issuer = typeof unverified.iss === 'string' ? unverified.iss : undefined;
  const subdomain = issuer ? issuerPattern.exec(issuer)?.[1]?.toLowerCase() : undefined;
  if (!issuer || !subdomain) throw refuse('does not come from a Zendesk account');

  let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
  try {
    ({ payload } = await keys.verify(subdomain, (key) =>
      jwtVerify(token, key, {
        algorithms: ['RS256'],
        issuer,
        clockTolerance: CLOCK_SKEW_SECONDS,
        maxTokenAge: MAX_TOKEN_AGE,
        requiredClaims: ['exp', 'iat', 'aud', 'sub'],
      }),
    ));
  } catch (error) {
    if (error instanceof ZendeskKeyUnavailable) {
      if (error.reason === 'not_installed') throw refuse('comes from an account where the Parley app is not installed');
      throw new ServiceUnavailableError('ZENDESK_UNAVAILABLE', 'Zendesk could not be asked for the app’s signing key. Try again in a moment.');
    }
    throw refuse(tokenRefusal(error));
  }

  const accountOrigin = `https://${subdomain}.zendesk.com`;
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  const installation = audiences
    .map((aud) => (typeof aud === 'string' ? new RegExp(`^${accountOrigin}/api/v2/apps/installations/(\\d{1,20})\\.json$`, 'i').exec(aud)?.[1] : undefined))
    .find((id) => id !== undefined);
  if (!installation) throw refuse('is meant for another audience');

  const sub = payload.sub!;
  const userId = /^\d{1,19}$/.test(sub) ? sub : new RegExp(`^${accountOrigin}/api/v2/users/(\\d{1,19})\\.json$`, 'i').exec(sub)?.[1];
  if (!userId) throw refuse('does not name a Zendesk user of this account');
  return { subdomain, userId, installationId: installation, expiresAt: new Date(payload.exp! * 1000) };
}
