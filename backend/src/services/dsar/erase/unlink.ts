import { and, eq, inArray, sql } from 'drizzle-orm';
import { calls, cases, consentRequests, customerRefs, customers, joinTokens, outboxMessages, participants } from '../../../db/schema/index.js';
import { recordAudit } from '../../audit/record.js';
import type { DsarJobDeps, DsarRequestRow } from '../job.js';
import { messagesOfCases } from './case-messages.js';
import { UNLINKED_PREFIX, type CaseItem, type ErasureInventory } from './inventory.js';

/**
 * What is left of the subject in the database stops naming them, in one transaction:
 * - cases lose their ticket or chat id (replaced by "erased:<case id>") and conversation id, so no
 *   row leads back to the host's record of the person; messages queued or kept about their calls
 *   are dropped; media tokens and join links of their calls go. A case another customer's calls
 *   are on too keeps its ticket or chat for them, and their calls and messages are left alone;
 * - with nothing kept, the customer's name, email and locale are blanked, `erased_at` is set and
 *   the host ids (customer_refs) are removed.
 * Calls keep their times and meeting type, as statistics about no one. Consent records are left as
 * they are (append-only): they hold the notice version and hash, language, channel, purpose,
 * decision and time, and the customer id of a now blank customer. That is the minimal proof of
 * consent Art. 7(1) asks for and Art. 17(3)(e) lets us keep; none of it names the person.
 */
export async function unlinkSubject(
  deps: DsarJobDeps,
  request: DsarRequestRow,
  inventory: ErasureInventory,
  erasableCases: CaseItem[],
  blankIdentity: boolean,
  now: Date,
): Promise<{ casesUnlinked: number; messagesDropped: number; identityErased: boolean }> {
  const tenantId = request.tenantId;
  const customerId = inventory.customer.id;
  const ofSubject = erasableCases.filter((c) => !c.unlinked);
  // A ticket or chat another customer's calls are on too stays linked for them.
  const toUnlink = ofSubject.filter((c) => !c.shared);
  return deps.db.transaction(async (tx) => {
    let messagesDropped = 0;
    if (ofSubject.length > 0) {
      const caseIds = ofSubject.map((c) => c.id);
      const queued = [...(await messagesOfCases(tx, tenantId, customerId, caseIds)).values()].flat();
      if (queued.length) {
        const dropped = await tx.delete(outboxMessages).where(and(eq(outboxMessages.tenantId, tenantId), inArray(outboxMessages.id, queued.map((m) => m.id)))).returning({ id: outboxMessages.id });
        messagesDropped = dropped.length;
      }
      const callIds = (
        await tx
          .select({ id: calls.id })
          .from(calls)
          .where(and(eq(calls.tenantId, tenantId), eq(calls.customerId, customerId), inArray(calls.caseId, caseIds)))
      ).map((c) => c.id);
      if (callIds.length) {
        await tx.update(participants).set({ mediaToken: null, updatedAt: now }).where(inArray(participants.callId, callIds));
        await tx.delete(joinTokens).where(inArray(joinTokens.callId, callIds));
        // The chat each consent offer went into names the person's conversation as the case did.
        await tx.update(consentRequests).set({ conversationId: null }).where(inArray(consentRequests.callId, callIds));
      }
      if (toUnlink.length > 0) {
        await tx
          .update(cases)
          .set({ externalId: sql`${UNLINKED_PREFIX} || ${cases.id}::text`, conversationId: null, updatedAt: now })
          .where(and(eq(cases.tenantId, tenantId), inArray(cases.id, toUnlink.map((c) => c.id))));
      }
    }
    let identityErased = false;
    if (blankIdentity) {
      await tx.delete(customerRefs).where(and(eq(customerRefs.tenantId, tenantId), eq(customerRefs.customerId, inventory.customer.id)));
      const [blanked] = await tx
        .update(customers)
        .set({ displayName: null, email: null, locale: null, erasedAt: sql`coalesce(${customers.erasedAt}, ${now.toISOString()}::timestamptz)`, updatedAt: now })
        .where(and(eq(customers.tenantId, tenantId), eq(customers.id, inventory.customer.id)))
        .returning({ id: customers.id });
      identityErased = !!blanked;
    }
    if (ofSubject.length > 0 || (blankIdentity && !inventory.customer.erasedAt)) {
      await recordAudit(tx, {
        tenantId,
        actor: { kind: 'system' },
        action: blankIdentity ? 'customer.erased' : 'customer.partially_erased',
        subjectType: 'customer',
        subjectId: inventory.customer.id,
        details: { requestId: request.id, casesUnlinked: toUnlink.length, casesShared: ofSubject.length - toUnlink.length, messagesDropped, identityErased },
      });
    }
    return { casesUnlinked: toUnlink.length, messagesDropped, identityErased };
  });
}
