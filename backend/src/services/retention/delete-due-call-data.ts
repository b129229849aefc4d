import { and, count, eq, inArray, isNotNull, notExists, sql } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.js';
import { calls, cases, consentRecords, customers, dsarRequests, meetingTypes, recordings } from '../../db/schema/index.js';
import type { Logger } from '../../logger.js';
import { recordAudit } from '../audit/record.js';
import { activeHolds, lockCustomerData, recordingNotHeld } from '../legal-holds/active.js';
import { callNotHeld } from './call-data-held.js';
import { periodEnded } from './due.js';
import { allowEvidenceDeletion } from './evidence.js';

/** How many calls a run handles at most; the next run picks up the rest. */
const BATCH = 200;

/**
 * Consent records whose meeting type's consent retention has run out since the call ended, and
 * whose call's recording is gone: while a recording is kept, the consent records are the proof it
 * may be (Art. 7(1) GDPR), whatever shorter period an admin set for them.
 */
export const consentDue = (now: Date) =>
  and(
    isNotNull(calls.endedAt),
    periodEnded(calls.endedAt, meetingTypes.consentRetentionDays, now),
    callNotHeld(),
    notExists(sql`(select 1 from ${recordings} where ${recordings.callId} = ${calls.id} and ${recordings.stage} <> 'deleted')`),
  );

/**
 * Calls whose metadata retention has run out: ended long enough ago, nothing held, no recording
 * still kept (a recording's row goes with its call) and no consent record left (they go first,
 * by their own period).
 */
export const callDue = (now: Date) =>
  and(
    isNotNull(calls.endedAt),
    periodEnded(calls.endedAt, meetingTypes.metadataRetentionDays, now),
    callNotHeld(),
    notExists(
      sql`(select 1 from ${recordings} where ${recordings.callId} = ${calls.id} and (${recordings.stage} <> 'deleted' or ${recordings.blobDeletedAt} is null))`,
    ),
  );

/** Whether a call picked as due is still free of holds, asked under the lock a new hold takes. */
async function stillUnheld(tx: Tx, call: { id: string; tenantId: string; customerId: string }): Promise<boolean> {
  await lockCustomerData(tx, call.tenantId, call.customerId);
  const [free] = await tx.select({ id: calls.id }).from(calls).where(and(eq(calls.id, call.id), callNotHeld()));
  return free !== undefined;
}

/**
 * Deletes call data whose retention has ended, per the meeting type's periods: first consent
 * records (evidence, kept as long as `consentRetentionDays`), then the call itself with its
 * participants and links (`metadataRetentionDays`), and with a customer's last call their case
 * and customer record (see `deleteWhatIsLeft`). Each call is one transaction with its audit rows;
 * several instances may run this at once, since a row already gone is simply skipped.
 */
export async function deleteDueCallData(deps: { db: Db; logger: Logger }, now: Date = new Date()): Promise<{ consentRecords: number; calls: number; customers: number }> {
  const withConsent = await deps.db
    .selectDistinct({ id: calls.id, tenantId: calls.tenantId, customerId: calls.customerId })
    .from(consentRecords)
    .innerJoin(calls, eq(calls.id, consentRecords.callId))
    .innerJoin(meetingTypes, eq(meetingTypes.id, calls.meetingTypeId))
    .where(consentDue(now))
    .limit(BATCH);
  let consentDeleted = 0;
  for (const call of withConsent) {
    consentDeleted += await deps.db.transaction(async (tx) => {
      if (!(await stillUnheld(tx, call))) return 0;
      await allowEvidenceDeletion(tx);
      const removed = await tx.delete(consentRecords).where(eq(consentRecords.callId, call.id)).returning({ id: consentRecords.id });
      if (removed.length === 0) return 0;
      await recordAudit(tx, {
        tenantId: call.tenantId,
        actor: { kind: 'system' },
        action: 'consent.records_deleted',
        subjectType: 'call',
        subjectId: call.id,
        details: { reason: 'retention', records: removed.length },
      });
      return removed.length;
    });
  }

  const dueCalls = await deps.db
    .select({ id: calls.id, tenantId: calls.tenantId, customerId: calls.customerId, endedAt: calls.endedAt })
    .from(calls)
    .innerJoin(meetingTypes, eq(meetingTypes.id, calls.meetingTypeId))
    .where(and(callDue(now), notExists(deps.db.select({ one: sql`1` }).from(consentRecords).where(eq(consentRecords.callId, calls.id)))))
    .limit(BATCH);
  let callsDeleted = 0;
  let customersDeleted = 0;
  for (const call of dueCalls) {
    callsDeleted += await deps.db.transaction(async (tx) => {
      if (!(await stillUnheld(tx, call))) return 0;
      const removed = await tx.delete(calls).where(eq(calls.id, call.id)).returning({ id: calls.id, caseId: calls.caseId });
      if (removed.length === 0) return 0;
      await recordAudit(tx, {
        tenantId: call.tenantId,
        actor: { kind: 'system' },
        action: 'call.metadata_deleted',
        subjectType: 'call',
        subjectId: call.id,
        details: { reason: 'retention', endedAt: call.endedAt?.toISOString() ?? null },
      });
      if (await deleteWhatIsLeft(tx, call, removed[0]!.caseId)) customersDeleted += 1;
      return 1;
    });
  }
  if (consentDeleted + callsDeleted > 0) deps.logger.info({ consentRecords: consentDeleted, calls: callsDeleted, customers: customersDeleted }, 'call data past its retention deleted');
  return { consentRecords: consentDeleted, calls: callsDeleted, customers: customersDeleted };
}

/**
 * A deleted call may have been the last thing Parley held under its case or about its customer.
 * The case (ticket or chat reference) goes once no call or recording is left on it; the customer
 * record (name, email, host ids, subject key) once no call, case, consent record or recording of
 * theirs is left: kept no longer than what it was kept for. Neither goes under a legal hold, nor the
 * customer while a data-subject request about them is still open. Returns whether the customer went.
 */
async function deleteWhatIsLeft(tx: Tx, call: { tenantId: string; customerId: string }, caseId: string): Promise<boolean> {
  // Asked once for both: the call was free of holds, but its case may be another customer's.
  const holds = await activeHolds(tx, { tenantId: call.tenantId, caseId, customerId: call.customerId });
  const held = (targetType: 'case' | 'customer') => holds.some((hold) => hold.targetType === targetType);
  const emptyCase = held('case') ? [] : await tx
    .delete(cases)
    .where(
      and(
        eq(cases.id, caseId),
        notExists(tx.select({ one: sql`1` }).from(calls).where(eq(calls.caseId, caseId))),
        notExists(tx.select({ one: sql`1` }).from(recordings).where(eq(recordings.caseId, caseId))),
      ),
    )
    .returning({ id: cases.id });
  if (emptyCase.length > 0) {
    await recordAudit(tx, { tenantId: call.tenantId, actor: { kind: 'system' }, action: 'case.deleted', subjectType: 'case', subjectId: caseId, details: { reason: 'retention' } });
  }
  if (held('customer')) return false;
  const gone = await tx
    .delete(customers)
    .where(
      and(
        eq(customers.id, call.customerId),
        eq(customers.tenantId, call.tenantId),
        notExists(tx.select({ one: sql`1` }).from(calls).where(eq(calls.customerId, call.customerId))),
        // A case stays theirs while others' calls are on it (a Teams group chat): deleting the
        // customer would take the case, and those calls, with it.
        notExists(tx.select({ one: sql`1` }).from(cases).where(eq(cases.customerId, call.customerId))),
        notExists(tx.select({ one: sql`1` }).from(consentRecords).where(eq(consentRecords.customerId, call.customerId))),
        notExists(tx.select({ one: sql`1` }).from(recordings).where(eq(recordings.customerId, call.customerId))),
        notExists(
          tx
            .select({ one: sql`1` })
            .from(dsarRequests)
            .where(and(eq(dsarRequests.customerId, call.customerId), inArray(dsarRequests.state, ['received', 'in_progress', 'partially_refused']))),
        ),
      ),
    )
    .returning({ id: customers.id });
  if (gone.length === 0) return false;
  await recordAudit(tx, { tenantId: call.tenantId, actor: { kind: 'system' }, action: 'customer.deleted', subjectType: 'customer', subjectId: call.customerId, details: { reason: 'retention' } });
  return true;
}

/** Counts, for a preview: how much of a meeting type's data the given periods make due now. */
export async function countDueUnder(
  db: Db,
  meetingTypeId: string,
  periods: { retentionDays: number; metadataRetentionDays: number; consentRetentionDays: number },
  now: Date = new Date(),
) {
  const ended = (days: number) => periodEnded(calls.endedAt, days, now);
  const [recordingsDue] = await db
    .select({ n: count() })
    .from(recordings)
    .innerJoin(calls, eq(calls.id, recordings.callId))
    .where(and(eq(calls.meetingTypeId, meetingTypeId), eq(recordings.stage, 'done'), periodEnded(recordings.storedAt, periods.retentionDays, now)));
  const [recordingsHeld] = await db
    .select({ n: count() })
    .from(recordings)
    .innerJoin(calls, eq(calls.id, recordings.callId))
    .where(
      and(
        eq(calls.meetingTypeId, meetingTypeId),
        eq(recordings.stage, 'done'),
        periodEnded(recordings.storedAt, periods.retentionDays, now),
        sql`not (${callNotHeld()})`,
      ),
    );
  const [consentDueCount] = await db
    .select({ n: count() })
    .from(consentRecords)
    .innerJoin(calls, eq(calls.id, consentRecords.callId))
    .where(
      and(
        eq(calls.meetingTypeId, meetingTypeId),
        isNotNull(calls.endedAt),
        ended(periods.consentRetentionDays),
        callNotHeld(),
        // As `consentDue`: not while the call's recording is kept, which it is unless due itself.
        notExists(
          sql`(select 1 from ${recordings} where ${recordings.callId} = ${calls.id} and ${recordings.stage} <> 'deleted'
            and not (${recordings.stage} = 'done' and ${periodEnded(recordings.storedAt, periods.retentionDays, now)} and ${recordingNotHeld()}))`,
        ),
      ),
    );
  const [callsDue] = await db
    .select({ n: count() })
    .from(calls)
    .where(and(eq(calls.meetingTypeId, meetingTypeId), isNotNull(calls.endedAt), ended(periods.metadataRetentionDays), callNotHeld()));
  return {
    recordings: recordingsDue!.n - recordingsHeld!.n,
    consentRecords: consentDueCount!.n,
    calls: callsDue!.n,
    heldRecordings: recordingsHeld!.n,
  };
}

