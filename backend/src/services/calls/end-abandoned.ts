import { and, eq, gt, lt, notExists, or, sql } from 'drizzle-orm';
import { calls, participants, recordings } from '../../db/schema/index.js';
import { recordAudit } from '../audit/record.js';
import { notes } from '../consent/notes.js';
import type { ServiceDeps } from '../deps.js';
import { noteOnTicket } from '../outbox/ticket-note.js';
import { loadParticipants, roomOf } from './load-call.js';
import { releaseCallMedia } from './teardown-media.js';

export const ABANDONED_REASON = 'abandoned';

/**
 * Ends running calls everyone has gone from without anyone pressing End: the room is empty and
 * nobody has joined or left for `quietMs` (both closed the window, or a browser died without a
 * word). Until a call ends its recording is not processed, its raw media stays plaintext on disk
 * and retention never starts; an empty room is also a room somebody could enter. A room the media
 * server cannot list is left for the next run (a lost node is the watchdog's to handle).
 */
export async function endAbandonedCalls(deps: Pick<ServiceDeps, 'db' | 'media' | 'logger' | 'onRecordingReady'>, quietMs: number, now: Date = new Date()): Promise<string[]> {
  const quietSince = new Date(now.getTime() - quietMs);
  // One statement finds the quiet calls, however many calls are running.
  const stirred = deps.db
    .select({ one: sql`1` })
    .from(participants)
    .where(and(eq(participants.callId, calls.id), or(gt(participants.joinedAt, quietSince), gt(participants.leftAt, quietSince))));
  const quiet = await deps.db
    .select()
    .from(calls)
    .where(and(eq(calls.state, 'active'), lt(calls.startedAt, quietSince), notExists(stirred)));
  const ended: string[] = [];
  for (const candidate of quiet) {
    const inRoom = await deps.media.listParticipants(roomOf(candidate)).catch(() => null);
    if (inRoom === null || inRoom.length > 0) continue;
    const call = await deps.db.transaction(async (tx) => {
      const [row] = await tx.select().from(calls).where(eq(calls.id, candidate.id)).for('update');
      if (row?.state !== 'active') return null;
      await tx
        .update(calls)
        .set({ state: 'ended', endedAt: now, endReason: ABANDONED_REASON, recordingActive: false, updatedAt: now })
        .where(eq(calls.id, row.id));
      await noteOnTicket(tx, row, notes.callAbandoned(row.recordingActive), `call:${row.id}:abandoned`);
      await recordAudit(tx, {
        tenantId: row.tenantId,
        actor: { kind: 'system' },
        action: 'call.ended',
        subjectType: 'call',
        subjectId: row.id,
        details: { reason: ABANDONED_REASON, wasRecording: row.recordingActive },
      });
      return row;
    });
    if (!call) continue;
    await releaseCallMedia(deps, call, await loadParticipants(deps.db, call.tenantId, call.id));
    const [recording] = await deps.db.select({ id: recordings.id }).from(recordings).where(eq(recordings.callId, call.id));
    if (recording) deps.onRecordingReady?.(recording.id);
    ended.push(call.id);
  }
  if (ended.length > 0) deps.logger.info({ calls: ended.length }, 'calls everyone had left were ended');
  return ended;
}
