import { createHash } from 'node:crypto';
import { z } from 'zod';
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { calls, customerRefs, customers } from '../../db/schema/index.js';

/** How the requester names themselves: the email Parley holds, or the id a host gives them. */
export const subjectInput = z.union([
  z.object({ email: z.email().max(320) }).strict(),
  z
    .object({
      host: z.enum(['zendesk', 'teams']),
      externalId: z.string().trim().min(1).max(200),
    })
    .strict(),
]);
export type SubjectInput = z.infer<typeof subjectInput>;

/** The identifier as it is compared: emails without case, host ids as given. */
function normalized(subject: SubjectInput): string {
  return 'email' in subject ? `email:${subject.email.trim().toLowerCase()}` : `${subject.host}:${subject.externalId}`;
}

/**
 * SHA-256 of the identifier, bound to the tenant: finds repeated requests for one subject
 * without keeping the email or host id in the clear.
 */
export function subjectDigest(tenantId: string, subject: SubjectInput): string {
  return createHash('sha256').update(`parley dsar subject|${tenantId}|${normalized(subject)}`).digest('hex');
}

/** What sealed audit data says about the subject (only ever stored sealed under their key). */
export function subjectForSeal(subject: SubjectInput): Record<string, string> {
  return 'email' in subject ? { email: subject.email.trim().toLowerCase() } : { host: subject.host, externalId: subject.externalId };
}

/**
 * The tenant's customer records the identifier names, oldest first; none when Parley holds
 * nothing about them. An email can name several (the same person known to Zendesk and to Teams,
 * or two Zendesk requesters with one address): the requester proved they hold it, so each is
 * theirs. Customers already erased are not found again: what is left of them is no longer theirs.
 */
export async function resolveSubjects(db: DbOrTx, tenantId: string, subject: SubjectInput): Promise<string[]> {
  if ('email' in subject) {
    const found = await db
      .select({ id: customers.id })
      .from(customers)
      .where(and(eq(customers.tenantId, tenantId), isNull(customers.erasedAt), sql`lower(${customers.email}) = ${subject.email.trim().toLowerCase()}`))
      .orderBy(asc(customers.createdAt), asc(customers.id));
    return found.map((c) => c.id);
  }
  const found = await db
    .select({ id: customers.id })
    .from(customerRefs)
    .innerJoin(customers, eq(customers.id, customerRefs.customerId))
    .where(
      and(eq(customerRefs.tenantId, tenantId), eq(customerRefs.host, subject.host), eq(customerRefs.externalId, subject.externalId), isNull(customers.erasedAt)),
    );
  return found.map((c) => c.id);
}

/**
 * The cases a customer's calls are on, as a subquery: their own, and another customer's ticket or
 * group chat one of their calls took place in. What is theirs on those is theirs to see and erase.
 */
export const callCasesOf = (db: DbOrTx, tenantId: string, customerId: string) =>
  db.select({ caseId: calls.caseId }).from(calls).where(and(eq(calls.tenantId, tenantId), eq(calls.customerId, customerId)));
