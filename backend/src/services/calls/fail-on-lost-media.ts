import { and, eq, inArray } from 'drizzle-orm';
import { calls, recordings } from '../../db/schema/index.js';
import { recordAudit } from '../audit/record.js';
import { notes } from '../consent/notes.js';
import type { ServiceDeps } from '../deps.js';
import { noteOnTicket } from '../outbox/ticket-note.js';
import { createTicker } from '../ticker.js';
import { isFinished } from './state-machine.js';

export const MEDIA_LOST_REASON = 'media_server_lost';

/**
 * Fails every running call on a media node that is gone. The rooms died with the node; what it
 * recorded until then is salvaged by the recording pipeline, which reads unfinished raw files too.
 */
export async function failCallsOnLostNode(deps: Pick<ServiceDeps, 'db' | 'logger' | 'onRecordingReady'>, nodeId: string): Promise<string[]> {
  const running = await deps.db
    .select({ id: calls.id })
    .from(calls)
    .where(and(eq(calls.mediaNodeId, nodeId), inArray(calls.state, ['created', 'active'])));
  const failed: string[] = [];
  for (const { id } of running) {
    const wasRecording = await deps.db.transaction(async (tx) => {
      const [call] = await tx.select().from(calls).where(eq(calls.id, id)).for('update');
      if (!call || isFinished(call.state)) return null;
      const now = new Date();
      await tx
        .update(calls)
        .set({ state: 'failed', endedAt: now, endReason: MEDIA_LOST_REASON, recordingActive: false, updatedAt: now })
        .where(eq(calls.id, id));
      await noteOnTicket(tx, call, notes.callCutOff(call.recordingActive), `call:${id}:media-lost`);
      await recordAudit(tx, {
        tenantId: call.tenantId,
        actor: { kind: 'system' },
        action: 'call.failed',
        subjectType: 'call',
        subjectId: id,
        details: { reason: MEDIA_LOST_REASON, mediaNode: nodeId, wasRecording: call.recordingActive },
      });
      return call.recordingActive;
    });
    if (wasRecording === null) continue;
    failed.push(id);
    const [recording] = await deps.db.select({ id: recordings.id }).from(recordings).where(eq(recordings.callId, id));
    if (recording) deps.onRecordingReady?.(recording.id);
  }
  if (failed.length > 0) deps.logger.warn({ mediaNode: nodeId, calls: failed.length }, 'media node lost; its calls were ended');
  return failed;
}

/**
 * Watches the media nodes; a node that stays unreachable for `graceMs` is treated as lost. A
 * short blip (a slow probe, a restart within the grace) cuts nobody off.
 */
export function createMediaWatchdog(deps: Pick<ServiceDeps, 'db' | 'logger' | 'onRecordingReady' | 'media'>, options: { intervalMs: number; graceMs: number }) {
  const downSince = new Map<string, number>();
  return createTicker(
    async () => {
      const now = Date.now();
      for (const node of await deps.media.health()) {
        if (node.healthy) {
          downSince.delete(node.id);
          continue;
        }
        const since = downSince.get(node.id) ?? now;
        downSince.set(node.id, since);
        if (now - since >= options.graceMs) await failCallsOnLostNode(deps, node.id);
      }
    },
    options.intervalMs,
    (error) => deps.logger.warn({ err: error }, 'media watchdog check failed'),
  );
}
