import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { installations } from '../../db/schema/index.js';
import { NotFoundError } from '../../errors.js';

/** Zendesk subdomains are DNS labels; anything else must not end up in a host name. */
const subdomainPattern = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/**
 * The `baseUrlFor` a Zendesk deliverer needs: the API origin of the tenant's Zendesk
 * account, from the installation that provisioned it. `override` replaces every
 * account's origin (the demo's in-process fake, a test server, an egress proxy).
 * A tenant's subdomain never changes, so answers are kept.
 */
export function zendeskAccountUrl(db: DbOrTx, options: { override?: string } = {}): (tenantId: string) => Promise<string> {
  const known = new Map<string, string>();
  return async (tenantId) => {
    if (options.override) return options.override;
    const cached = known.get(tenantId);
    if (cached) return cached;
    const [installation] = await db
      .select({ subdomain: installations.externalAccountId })
      .from(installations)
      .where(and(eq(installations.tenantId, tenantId), eq(installations.host, 'zendesk')));
    if (!installation || !subdomainPattern.test(installation.subdomain)) {
      throw new NotFoundError('ZENDESK_ACCOUNT_UNKNOWN', 'The tenant has no Zendesk installation with a valid subdomain.');
    }
    const url = `https://${installation.subdomain.toLowerCase()}.zendesk.com`;
    known.set(tenantId, url);
    return url;
  };
}
