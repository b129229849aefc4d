import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { and, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.js';
import { calls, cases, legalHolds, meetingTypes, recordings, subjectKeys } from '../../../db/schema/index.js';
import { recordAudit, recordAuditBatch, rowsOf } from '../../audit/record.js';
import { lockCustomerData, recordingNotHeld } from '../../legal-holds/active.js';
import { removeShreddedBlobs } from '../../recordings/delete-due.js';
import { workDirOf } from '../../recordings/work-dir.js';
import type { DsarJobDeps, DsarRequestRow } from '../job.js';
import type { RecordingItem } from './inventory.js';

/** What a destroyed subject key row holds until the row itself goes: random bytes no master key unwraps. */
const DESTROYED = 'destroyed';

/**
 * Whether anything of the customer must stay now: a hold on them, their cases or recordings; a
 * recording a legal duty still keeps; or one still in the pipeline. Asked in the database (one
 * round trip, however many recordings), so the key can go at once when the answer is no.
 */
export async function mustKeepAnything(db: DbOrTx, tenantId: string, customerId: string, now: Date): Promise<boolean> {
  const result = await db.execute(sql`
    select (
      exists (
        select 1 from ${legalHolds} h
        where h.tenant_id = ${tenantId}::uuid and h.released_at is null
          and ((h.target_type = 'customer' and h.target_id = ${customerId}::uuid)
            or (h.target_type = 'case' and h.target_id in (select id from ${cases} where tenant_id = ${tenantId}::uuid and customer_id = ${customerId}::uuid))
            or (h.target_type = 'recording' and h.target_id in (select id from ${recordings} where tenant_id = ${tenantId}::uuid and customer_id = ${customerId}::uuid))))
      or exists (
        select 1 from ${recordings} r
        join ${calls} c on c.id = r.call_id
        join ${meetingTypes} m on m.id = c.meeting_type_id
        where r.tenant_id = ${tenantId}::uuid and r.customer_id = ${customerId}::uuid
          and (r.stage not in ('deleted', 'done', 'failed')
            or (r.stage = 'done' and m.legal_basis = 'legal_obligation'
                and r.stored_at + make_interval(days => m.retention_days) > ${now.toISOString()}::timestamptz)))
    ) as keep`);
  return rowsOf<{ keep: boolean }>(result)[0]!.keep;
}

/**
 * Destroys the subject key: every recording key of the customer is wrapped by it, so from this
 * commit on none of their recordings decrypts, wherever a copy of a blob is (backups of the store
 * included), and their sealed audit data no longer opens. The wrapped key is overwritten with
 * random bytes in place: one row, however many recordings point at it; the row itself goes later
 * (`removeSubjectKeyRow`). Audited once, with the change.
 */
export async function destroySubjectKey(deps: DsarJobDeps, request: DsarRequestRow, customerId: string, now: Date): Promise<'destroyed' | 'gone' | 'kept'> {
  return deps.db.transaction(async (tx) => {
    // Asked again under the lock that placing a hold takes: a hold placed meanwhile keeps the key.
    await lockCustomerData(tx, request.tenantId, customerId);
    if (await mustKeepAnything(tx, request.tenantId, customerId, now)) return 'kept';
    const [row] = await tx
      .update(subjectKeys)
      .set({ wrappedKey: randomBytes(60), masterKeyId: DESTROYED, updatedAt: new Date() })
      .where(and(eq(subjectKeys.tenantId, request.tenantId), eq(subjectKeys.customerId, customerId), ne(subjectKeys.masterKeyId, DESTROYED)))
      .returning({ id: subjectKeys.id });
    if (!row) return 'gone';
    await recordAudit(tx, {
      tenantId: request.tenantId,
      actor: { kind: 'system' },
      action: 'subject_key.destroyed',
      subjectType: 'customer',
      subjectId: customerId,
      details: { reason: 'erasure', requestId: request.id },
    });
    return 'destroyed';
  });
}

/** Removes the destroyed key's row; recordings point at it, and the pointers go with it. */
export async function removeSubjectKeyRow(deps: DsarJobDeps, keyId: string): Promise<void> {
  await deps.db.transaction(async (tx) => {
    await tx.update(recordings).set({ subjectKeyId: null }).where(eq(recordings.subjectKeyId, keyId));
    await tx.delete(subjectKeys).where(eq(subjectKeys.id, keyId));
  });
}

/**
 * Marks recordings deleted and destroys each one's wrapped key, with an audit event each, in one
 * transaction. Already deleted ones are skipped, so a rerun changes nothing.
 */
export async function destroyRecordingKeys(deps: DsarJobDeps, request: DsarRequestRow, items: RecordingItem[], now: Date): Promise<number> {
  if (items.length === 0) return 0;
  const ids = items.map((r) => r.id);
  return deps.db.transaction(async (tx) => {
    // A recording a hold covers since the inventory was taken stays: the hold is checked under its lock.
    await lockCustomerData(tx, request.tenantId, request.customerId!);
    const rows = await tx
      .update(recordings)
      .set({ stage: 'deleted', wrappedKey: null, deletedAt: now, deletionReason: 'erasure', updatedAt: now })
      .where(and(eq(recordings.tenantId, request.tenantId), inArray(recordings.id, ids), inArray(recordings.stage, ['done', 'failed']), recordingNotHeld()))
      .returning({ id: recordings.id, callId: recordings.callId, sizeBytes: recordings.sizeBytes });
    await recordAuditBatch(
      tx,
      rows.map((row) => ({
        tenantId: request.tenantId,
        actor: { kind: 'system' } as const,
        action: 'recording.key_destroyed',
        subjectType: 'recording',
        subjectId: row.id,
        details: { reason: 'erasure', requestId: request.id, callId: row.callId, sizeBytes: row.sizeBytes },
      })),
    );
    // A recording that never got through the pipeline kept its raw media for an operator: it goes
    // too, before the commit, so a crash cannot leave it behind a row that no longer says failed.
    const marked = new Set(rows.map((row) => row.id));
    for (const item of items.filter((r) => r.stage === 'failed' && marked.has(r.id))) {
      await rm(item.rawDir, { recursive: true, force: true });
      await rm(workDirOf(deps.dataDir, item.id), { recursive: true, force: true });
    }
    return rows.length;
  });
}

/**
 * Removes the blobs of the customer's deleted recordings, checks each is gone and audits it (the
 * retention job's own step). Returns how many are still stored: a store that failed keeps its blob
 * until the next run, which the caller schedules.
 */
export async function removeBlobs(
  deps: DsarJobDeps,
  request: DsarRequestRow,
  customerId: string,
  now: Date,
  onRemoved: (count: number) => Promise<void>,
): Promise<{ removed: number; remaining: number }> {
  const retention = { db: deps.db, stores: deps.stores, logger: deps.logger };
  const pending = await deps.db
    .select({ id: recordings.id })
    .from(recordings)
    .where(and(eq(recordings.tenantId, request.tenantId), eq(recordings.customerId, customerId), eq(recordings.stage, 'deleted'), isNull(recordings.blobDeletedAt)));
  let removed = 0;
  for (const { id } of pending) {
    removed += await removeShreddedBlobs(retention, now, id);
    if (removed % 50 === 0) await onRemoved(removed);
  }
  await onRemoved(removed);
  return { removed, remaining: pending.length - removed };
}
