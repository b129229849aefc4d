import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { dsarRequests } from '../../db/schema/index.js';
import { ConflictError } from '../../errors.js';
import type { MasterKeys } from '../../ports/master-keys.js';
import { authorizeAccount } from '../access/policy.js';
import { recordAudit } from '../audit/record.js';
import { sealForSubject } from '../audit/seal.js';
import type { Principal } from '../principal.js';
import { resolveSubjects, subjectDigest, subjectForSeal, subjectInput } from './subject.js';
import { dsarView, OPEN_STATES, RESPONSE_DAYS } from './view.js';

export const receiveDsarInput = z
  .object({
    kind: z.enum(['access', 'erasure']),
    subject: subjectInput,
    /** How the requester's identity was checked, e.g. "replied from the email on file" (a method, not the evidence). */
    verification: z.string().trim().min(3).max(200),
  })
  .strict();

export interface DsarRequestDeps {
  db: Db;
  masterKeys: MasterKeys;
  /** The clock; tests move it. */
  now?: () => Date;
}

/**
 * Records an access or erasure request. A subject Parley does not know still gets a request (it is
 * answered "no data held"). A subject with several customer records (an email several carry) gets
 * one request per record, received together with one deadline, so no record of theirs is missed
 * and each is answered and audited on its own. The due date is 30 days after receipt; the worker
 * takes it from here.
 */
export async function receiveDsarRequest(deps: DsarRequestDeps, principal: Principal, input: z.infer<typeof receiveDsarInput>) {
  const dpo = authorizeAccount(principal, 'handle_dsar');
  const now = deps.now?.() ?? new Date();
  const digest = subjectDigest(dpo.tenantId, input.subject);
  const rows = await deps.db.transaction(async (tx) => {
    const customerIds = await resolveSubjects(tx, dpo.tenantId, input.subject);
    const [open] = await tx
      .select({ id: dsarRequests.id })
      .from(dsarRequests)
      .where(and(eq(dsarRequests.tenantId, dpo.tenantId), eq(dsarRequests.subjectDigest, digest), eq(dsarRequests.kind, input.kind), inArray(dsarRequests.state, [...OPEN_STATES])));
    if (open) throw new ConflictError('DSAR_ALREADY_OPEN', `A ${input.kind} request for this subject is already open (${open.id}).`);
    const received = [];
    for (const customerId of customerIds.length > 0 ? customerIds : [null]) {
      const [created] = await tx
        .insert(dsarRequests)
        .values({
          tenantId: dpo.tenantId,
          kind: input.kind,
          customerId,
          subjectDigest: digest,
          verifiedBy: dpo.agentId,
          verification: input.verification,
          receivedAt: now,
          dueAt: new Date(now.getTime() + RESPONSE_DAYS * 86_400_000),
          nextAttemptAt: now,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      // The identifier is kept only sealed under the subject's key, so erasing them erases it here too.
      await recordAudit(tx, {
        tenantId: dpo.tenantId,
        actor: dpo,
        action: 'dsar.received',
        subjectType: 'dsar_request',
        subjectId: created!.id,
        details: { kind: input.kind, customerId, subjectKnown: customerId !== null, dueAt: created!.dueAt.toISOString(), recordsOfSubject: customerIds.length },
        personal: customerId ? await sealForSubject(tx, deps.masterKeys, dpo.tenantId, customerId, subjectForSeal(input.subject)) : undefined,
      });
      received.push(created!);
    }
    return received;
  });
  return rows.map((row) => dsarView(row, now));
}
