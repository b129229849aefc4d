import { X509Certificate } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { samlConfigs } from '../../db/schema/index.js';
import { authorizeAccount } from '../access/policy.js';
import type { Principal } from '../principal.js';
import { splitCertificates } from './certificates.js';
import { serviceProviderUrls } from './service-provider.js';

/** The account's SAML set-up as an admin sees it, with what to enter at the identity provider. */
export async function readSamlConfig(db: DbOrTx, publicBaseUrl: string, principal: Principal) {
  const admin = authorizeAccount(principal, 'configure');
  const [row] = await db.select().from(samlConfigs).where(eq(samlConfigs.tenantId, admin.tenantId));
  const serviceProvider = serviceProviderUrls(publicBaseUrl, admin.tenantId);
  if (!row) return { configured: false as const, serviceProvider };
  return {
    configured: true as const,
    serviceProvider,
    identityProvider: {
      entityId: row.idpEntityId,
      ssoUrl: row.idpSsoUrl,
      enabled: row.enabled,
      certificate: row.idpCertificate,
      certificates: splitCertificates(row.idpCertificate).map((pem) => {
        const cert = new X509Certificate(pem);
        return { subject: cert.subject, fingerprint256: cert.fingerprint256, validFrom: new Date(cert.validFrom).toISOString(), validTo: new Date(cert.validTo).toISOString() };
      }),
      updatedAt: row.updatedAt.toISOString(),
    },
  };
}
