import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { calls, meetingTypes, recordings } from '../../db/schema/index.js';
import type { Logger } from '../../logger.js';
import type { BlobStore } from '../../ports/blob-store.js';
import { recordAudit } from '../audit/record.js';
import { lockCustomerData, recordingNotHeld } from '../legal-holds/active.js';
import { periodEnded } from '../retention/due.js';

export interface RetentionDeps {
  db: Db;
  stores: ReadonlyMap<string, BlobStore>;
  logger: Logger;
}

/**
 * Deletes recordings whose meeting type's retention has run out. The wrapped recording key is
 * destroyed first, in the same transaction as the audit row, so the recording is unreadable
 * from that moment, copies and backups of the blob included; the blob is removed after and
 * checked gone, and a removal that failed is retried on the next run. Several instances may run
 * this at once: each recording is claimed by a conditional update. Recordings under a legal hold
 * (on themselves, their case or their customer) are not even picked.
 */
export async function deleteDueRecordings(deps: RetentionDeps, now: Date = new Date()): Promise<{ shredded: number; blobsRemoved: number }> {
  const due = await deps.db
    .select({ id: recordings.id, tenantId: recordings.tenantId, customerId: recordings.customerId })
    .from(recordings)
    .innerJoin(calls, eq(calls.id, recordings.callId))
    .innerJoin(meetingTypes, eq(meetingTypes.id, calls.meetingTypeId))
    .where(
      and(eq(recordings.stage, 'done'), periodEnded(recordings.storedAt, meetingTypes.retentionDays, now), recordingNotHeld()),
    );
  let shredded = 0;
  for (const { id, tenantId, customerId } of due) {
    const done = await deps.db.transaction(async (tx) => {
      // Checked again under the lock a new hold takes: one placed since the list was read keeps it.
      await lockCustomerData(tx, tenantId, customerId);
      const [row] = await tx
        .update(recordings)
        .set({ stage: 'deleted', wrappedKey: null, deletedAt: now, deletionReason: 'retention', updatedAt: now })
        .where(and(eq(recordings.id, id), eq(recordings.stage, 'done'), recordingNotHeld()))
        .returning();
      if (!row) return false;
      await recordAudit(tx, {
        tenantId: row.tenantId,
        actor: { kind: 'system' },
        action: 'recording.key_destroyed',
        subjectType: 'recording',
        subjectId: row.id,
        details: { reason: 'retention', callId: row.callId, storedAt: row.storedAt?.toISOString() ?? null, sizeBytes: row.sizeBytes },
      });
      return true;
    });
    if (done) shredded += 1;
  }
  return { shredded, blobsRemoved: await removeShreddedBlobs(deps, now) };
}

/**
 * Blobs of destroyed recordings that are still stored (all of them, or the one named): removed,
 * checked gone, audited. A store that fails leaves the row for the next run.
 */
export async function removeShreddedBlobs(deps: RetentionDeps, now: Date, recordingId?: string): Promise<number> {
  const pending = await deps.db
    .select()
    .from(recordings)
    .where(and(eq(recordings.stage, 'deleted'), isNull(recordings.blobDeletedAt), recordingId ? eq(recordings.id, recordingId) : undefined));
  let removed = 0;
  for (const row of pending) {
    const store = deps.stores.get(row.storageLocation);
    try {
      if (row.objectKey) {
        if (!store) throw new Error(`storage location "${row.storageLocation}" is not configured`);
        await store.delete(row.objectKey);
        if (await store.head(row.objectKey)) throw new Error('the object is still there after deleting it');
      }
    } catch (error) {
      deps.logger.warn({ recordingId: row.id, err: error }, 'recording blob not removed yet; the key is already destroyed, will retry');
      continue;
    }
    await deps.db.transaction(async (tx) => {
      const [marked] = await tx
        .update(recordings)
        .set({ blobDeletedAt: now, updatedAt: now })
        .where(and(eq(recordings.id, row.id), isNull(recordings.blobDeletedAt)))
        .returning({ id: recordings.id });
      if (!marked) return;
      await recordAudit(tx, {
        tenantId: row.tenantId,
        actor: { kind: 'system' },
        action: 'recording.blob_deleted',
        subjectType: 'recording',
        subjectId: row.id,
        details: { reason: row.deletionReason, location: row.storageLocation, verifiedGone: true },
      });
    });
    removed += 1;
  }
  return removed;
}
