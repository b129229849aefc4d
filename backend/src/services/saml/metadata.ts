import { generateServiceProviderMetadata } from '@node-saml/node-saml';
import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { tenants } from '../../db/schema/index.js';
import { NotFoundError } from '../../errors.js';
import { EMAIL_NAME_ID_FORMAT, serviceProviderUrls } from './service-provider.js';

/**
 * The SP metadata an admin gives their identity provider. Public and available before SAML is
 * configured: the IdP side is usually set up first.
 */
export async function serviceProviderMetadata(db: DbOrTx, publicBaseUrl: string, tenantId: string): Promise<string> {
  const [tenant] = await db.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenantId));
  if (!tenant) throw new NotFoundError('NOT_FOUND', 'No such account.');
  const urls = serviceProviderUrls(publicBaseUrl, tenantId);
  return generateServiceProviderMetadata({
    issuer: urls.metadataUrl,
    callbackUrl: urls.acsUrl,
    identifierFormat: EMAIL_NAME_ID_FORMAT,
    wantAssertionsSigned: true,
  });
}
