import { and, eq, gt, inArray } from 'drizzle-orm';
import { dsarRequests } from '../../../db/schema/index.js';
import { NotFoundError } from '../../../errors.js';
import type { DsarRequestRow } from '../job.js';
import { runDsarJob, type DsarJobOutcome, type DsarWorkerDeps } from '../run-request.js';

export interface RunNowResult {
  outcome: DsarJobOutcome;
  request: DsarRequestRow;
}

/**
 * Works one request at once, for an operator (`parley dsar export|erase`): a retry the worker
 * scheduled for later is brought forward, then the request goes through the same leased job the
 * worker runs, so an instance working it meanwhile is never doubled. `onProgress` sees the
 * progress the job records on the request.
 */
export async function runDsarRequestNow(
  deps: DsarWorkerDeps,
  requestId: string,
  kind: DsarRequestRow['kind'],
  onProgress: (done: number, total: number) => void,
  pollMs = 200,
): Promise<RunNowResult> {
  const read = async () => (await deps.db.select().from(dsarRequests).where(eq(dsarRequests.id, requestId)))[0];
  const before = await read();
  if (!before || before.kind !== kind) throw new NotFoundError('DSAR_NOT_FOUND', `No ${kind} request ${requestId}.`);
  const now = (deps.now ?? (() => new Date()))();
  await deps.db
    .update(dsarRequests)
    .set({ nextAttemptAt: now })
    .where(and(eq(dsarRequests.id, requestId), inArray(dsarRequests.state, ['received', 'in_progress']), gt(dsarRequests.nextAttemptAt, now)));
  let last = '';
  const poll = async () => {
    const [row] = await deps.db
      .select({ done: dsarRequests.progressDone, total: dsarRequests.progressTotal })
      .from(dsarRequests)
      .where(eq(dsarRequests.id, requestId));
    if (row && `${row.done}/${row.total}` !== last) {
      last = `${row.done}/${row.total}`;
      onProgress(row.done, row.total);
    }
  };
  const timer = setInterval(() => void poll().catch(() => undefined), pollMs);
  try {
    const outcome = await runDsarJob(deps, requestId);
    await poll();
    return { outcome, request: (await read())! };
  } finally {
    clearInterval(timer);
  }
}
