import { readdir, rm } from 'node:fs/promises';
import { and, eq, inArray, lt } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { calls, recordings } from '../../db/schema/index.js';
import type { Logger } from '../../logger.js';
import { lockCustomerData, recordingNotHeld } from '../legal-holds/active.js';
import { recordAudit } from '../audit/record.js';
import { isFinished } from '../calls/state-machine.js';
import { rawRecordingDir, rawRecordingRoot } from './raw-dir.js';

interface SweepDeps {
  db: Db;
  dataDir: string;
  logger: Logger;
}

/**
 * Raw media no recording job will ever take up: a folder under recordings/raw whose call has
 * finished (or is gone) without a recording row. That happens when the media server had started
 * recording and the transaction that would have written the row failed, or the process died
 * before its commit. Folders of running calls are left alone: their row may still be coming.
 */
export async function sweepOrphanedRawMedia(deps: SweepDeps): Promise<number> {
  const names = (await readdir(rawRecordingRoot(deps.dataDir)).catch(() => [] as string[])).filter((name) => /^[0-9a-f-]{36}$/.test(name));
  if (names.length === 0) return 0;
  const [known, jobs] = await Promise.all([
    deps.db.select({ id: calls.id, state: calls.state }).from(calls).where(inArray(calls.id, names)),
    deps.db.select({ callId: recordings.callId }).from(recordings).where(inArray(recordings.callId, names)),
  ]);
  const stateOf = new Map(known.map((call) => [call.id, call.state]));
  const withJob = new Set(jobs.map((job) => job.callId));
  let swept = 0;
  for (const callId of names) {
    const state = stateOf.get(callId);
    if (withJob.has(callId) || (state !== undefined && !isFinished(state))) continue;
    await rm(rawRecordingDir(deps.dataDir, callId), { recursive: true, force: true });
    swept += 1;
  }
  if (swept > 0) deps.logger.warn({ folders: swept }, 'removed raw media that no recording job owned');
  return swept;
}

/**
 * A recording the pipeline gave up on keeps its raw media for an operator to look at, but only
 * for `keepMs`: then the plaintext goes, the row is marked deleted and the removal audited. A
 * legal hold over the recording, its case or its customer keeps it, raw media included: that is
 * the only copy there is. The folder goes while the row is locked and checked, and before the row
 * says so: a crash in between leaves a failed row without a folder, which the next run marks.
 */
export async function removeFailedRawMedia(deps: SweepDeps, keepMs: number, now: Date = new Date()): Promise<number> {
  const expired = await deps.db
    .select()
    .from(recordings)
    .where(and(eq(recordings.stage, 'failed'), lt(recordings.updatedAt, new Date(now.getTime() - keepMs)), recordingNotHeld()));
  let removed = 0;
  for (const row of expired) {
    const marked = await deps.db.transaction(async (tx) => {
      // Checked again under the lock a new hold takes: one placed since the list was read keeps it.
      await lockCustomerData(tx, row.tenantId, row.customerId);
      const [still] = await tx
        .select({ id: recordings.id })
        .from(recordings)
        .where(and(eq(recordings.id, row.id), eq(recordings.stage, 'failed'), recordingNotHeld()))
        .for('update');
      if (!still) return false;
      await rm(row.rawDir, { recursive: true, force: true });
      await tx
        .update(recordings)
        .set({ stage: 'deleted', wrappedKey: null, deletedAt: now, deletionReason: 'failed', updatedAt: now })
        .where(eq(recordings.id, row.id));
      await recordAudit(tx, {
        tenantId: row.tenantId,
        actor: { kind: 'system' },
        action: 'recording.raw_removed',
        subjectType: 'recording',
        subjectId: row.id,
        details: { reason: 'failed', callId: row.callId, failedAt: row.updatedAt.toISOString() },
      });
      return true;
    });
    if (marked) removed += 1;
  }
  return removed;
}
