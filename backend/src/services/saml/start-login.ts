import type { DbOrTx } from '../../db/client.js';
import { loadIdentityProvider, samlFor } from './identity-provider.js';

/**
 * Where to send the browser to sign in: the identity provider's SSO URL with an AuthnRequest
 * (HTTP-Redirect binding). The request id is remembered in the shared store until it is answered.
 */
export async function startSamlLogin(db: DbOrTx, publicBaseUrl: string, tenantId: string): Promise<string> {
  const idp = await loadIdentityProvider(db, tenantId);
  const { saml } = samlFor(db, publicBaseUrl, tenantId, idp);
  return saml.getAuthorizeUrlAsync('', undefined, {});
}
