import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { samlConfigs } from '../../db/schema/index.js';
import { splitCertificates } from './certificates.js';
import { SamlNotConfiguredError } from './errors.js';
import { SamlRequestStore } from './request-cache.js';
import { CLOCK_SKEW_MS, EMAIL_NAME_ID_FORMAT, REQUEST_TTL_MS, serviceProviderUrls, type ServiceProviderUrls } from './service-provider.js';

export interface IdentityProvider {
  entityId: string;
  ssoUrl: string;
  certificates: string[];
}

async function enabledConfig(db: DbOrTx, tenantId: string) {
  const [row] = await db
    .select()
    .from(samlConfigs)
    .where(and(eq(samlConfigs.tenantId, tenantId), eq(samlConfigs.enabled, true)));
  return row;
}

/** Whether the tenant's users can sign in with single sign-on. */
export async function singleSignOnEnabled(db: DbOrTx, tenantId: string): Promise<boolean> {
  return (await enabledConfig(db, tenantId)) !== undefined;
}

/** The tenant's enabled identity provider; anything else is "not configured". */
export async function loadIdentityProvider(db: DbOrTx, tenantId: string): Promise<IdentityProvider> {
  const row = await enabledConfig(db, tenantId);
  if (!row) throw new SamlNotConfiguredError();
  return { entityId: row.idpEntityId, ssoUrl: row.idpSsoUrl, certificates: splitCertificates(row.idpCertificate) };
}

/**
 * node-saml set up for one tenant. Assertions must be signed by the tenant's certificate; the
 * response envelope need not be (wantAuthnResponseSigned: false), because common IdPs (Entra ID's
 * default, AD FS) sign only the assertion — and every fact the decision rests on (issuer, audience,
 * recipient, InResponseTo, validity window, NameID) is read from the signed assertion, never from
 * the envelope alone. Every response must answer a request this tenant sent.
 */
export function samlFor(
  db: DbOrTx,
  publicBaseUrl: string,
  tenantId: string,
  idp: IdentityProvider,
  generateUniqueId?: () => string,
): { saml: SAML; urls: ServiceProviderUrls } {
  const urls = serviceProviderUrls(publicBaseUrl, tenantId);
  const saml = new SAML({
    issuer: urls.metadataUrl,
    audience: urls.metadataUrl,
    callbackUrl: urls.acsUrl,
    entryPoint: idp.ssoUrl,
    idpCert: idp.certificates,
    idpIssuer: idp.entityId,
    identifierFormat: EMAIL_NAME_ID_FORMAT,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: false,
    acceptedClockSkewMs: CLOCK_SKEW_MS,
    validateInResponseTo: ValidateInResponseTo.always,
    requestIdExpirationPeriodMs: REQUEST_TTL_MS,
    cacheProvider: new SamlRequestStore(db, tenantId),
    // The identity provider decides how strongly to authenticate (MFA, passkeys): no context is demanded.
    disableRequestedAuthnContext: true,
    ...(generateUniqueId ? { generateUniqueId } : {}),
  });
  return { saml, urls };
}
