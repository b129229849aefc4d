import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { customerRefs } from '../../db/schema/index.js';
import { DomainError } from '../../errors.js';
import { loadConsentRequest } from './consent-token.js';

/**
 * Whether a Teams user is the customer a consent link was made for. In a group chat everyone sees
 * the consent card and its link; only that customer may decide with it. Ids the token does not
 * resolve to are left to the decision itself, which refuses them with its own reasons.
 */
export async function isConsentSubject(db: Db, token: string, teamsUserIds: string[]): Promise<boolean | null> {
  let loaded;
  try {
    loaded = await loadConsentRequest(db, token, { allowDecided: true });
  } catch (error) {
    if (error instanceof DomainError) return null;
    throw error;
  }
  const ids = teamsUserIds.filter(Boolean);
  if (ids.length === 0) return false;
  const [match] = await db
    .select({ id: customerRefs.id })
    .from(customerRefs)
    .where(
      and(
        eq(customerRefs.tenantId, loaded.request.tenantId),
        eq(customerRefs.customerId, loaded.request.customerId),
        eq(customerRefs.host, 'teams'),
        inArray(customerRefs.externalId, ids),
      ),
    );
  return match !== undefined;
}
