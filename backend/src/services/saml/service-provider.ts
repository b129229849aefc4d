/**
 * Parley's side of a tenant's SAML trust: fixed public paths under the public base URL, so the
 * identity provider can be set up from the metadata alone.
 */
export interface ServiceProviderUrls {
  /** Also the entity id and the audience every assertion must name. */
  metadataUrl: string;
  acsUrl: string;
  loginUrl: string;
}

export function serviceProviderUrls(publicBaseUrl: string, tenantId: string): ServiceProviderUrls {
  const base = `${publicBaseUrl.replace(/\/$/, '')}/auth/saml/${encodeURIComponent(tenantId)}`;
  return { metadataUrl: `${base}/metadata`, acsUrl: `${base}/acs`, loginUrl: `${base}/login` };
}

/** Tolerated difference between the identity provider's clock and ours. */
export const CLOCK_SKEW_MS = 60_000;
/** How long a sign-in started here waits for the identity provider's answer. */
export const REQUEST_TTL_MS = 10 * 60_000;
export const EMAIL_NAME_ID_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
