import { randomBytes } from 'node:crypto';
import type { DbOrTx } from '../../db/client.js';
import { loadIdentityProvider, samlFor } from './identity-provider.js';
import { relayStateFor, type SignInLanding } from './landing.js';
import { bindRequestToBrowser } from './request-cache.js';

/**
 * Where to send the browser to sign in: the identity provider's SSO URL with an AuthnRequest
 * (HTTP-Redirect binding). The request id is remembered in the shared store until it is answered,
 * together with the browser that asked (`browser`: the random value of its sign-in cookie).
 */
export async function startSamlLogin(db: DbOrTx, publicBaseUrl: string, tenantId: string, browser: string, landing: SignInLanding = { kind: 'console' }): Promise<string> {
  const idp = await loadIdentityProvider(db, tenantId);
  // An XML ID must not start with a digit.
  const requestId = `_${randomBytes(20).toString('hex')}`;
  const { saml } = samlFor(db, publicBaseUrl, tenantId, idp, () => requestId);
  const location = await saml.getAuthorizeUrlAsync(relayStateFor(landing), undefined, {});
  await bindRequestToBrowser(db, tenantId, requestId, browser);
  return location;
}
