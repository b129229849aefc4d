import { and, eq, lt } from 'drizzle-orm';
import { calls } from '../../db/schema/index.js';
import { recordAudit } from '../audit/record.js';
import { notes } from '../consent/notes.js';
import type { ServiceDeps } from '../deps.js';
import { noteOnTicket } from '../outbox/ticket-note.js';
import { releaseCallMedia } from './teardown-media.js';

export const EXPIRED_REASON = 'expired_unjoined';

/**
 * Ends calls that never started (the customer did not consent, or nobody joined) once they are
 * older than `cutoff`, and destroys their rooms: a room nobody uses is a room somebody could.
 */
export async function expireUnjoinedCalls(deps: Pick<ServiceDeps, 'db' | 'media' | 'logger'>, cutoff: Date): Promise<string[]> {
  const stale = await deps.db
    .select({ id: calls.id })
    .from(calls)
    .where(and(eq(calls.state, 'created'), lt(calls.createdAt, cutoff)));
  const expired: string[] = [];
  for (const { id } of stale) {
    const call = await deps.db.transaction(async (tx) => {
      const [row] = await tx.select().from(calls).where(eq(calls.id, id)).for('update');
      if (row?.state !== 'created') return null;
      const now = new Date();
      await tx.update(calls).set({ state: 'ended', endedAt: now, endReason: EXPIRED_REASON, updatedAt: now }).where(eq(calls.id, id));
      await noteOnTicket(tx, row, notes.callExpired(), `call:${id}:expired`);
      await recordAudit(tx, {
        tenantId: row.tenantId,
        actor: { kind: 'system' },
        action: 'call.expired',
        subjectType: 'call',
        subjectId: id,
        details: { reason: EXPIRED_REASON },
      });
      return row;
    });
    if (!call) continue;
    await releaseCallMedia(deps, call);
    expired.push(id);
  }
  if (expired.length > 0) deps.logger.info({ calls: expired.length }, 'unjoined calls expired and their rooms destroyed');
  return expired;
}
