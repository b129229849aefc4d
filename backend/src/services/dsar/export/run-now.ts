import { and, eq, gt, inArray } from 'drizzle-orm';
import { dsarRequests } from '../../../db/schema/index.js';
import { NotFoundError } from '../../../errors.js';
import type { DsarRequestRow } from '../job.js';
import { runDsarJob, type DsarJobOutcome, type DsarWorkerDeps } from '../run-request.js';

const OPEN: DsarRequestRow['state'][] = ['received', 'in_progress'];

export interface RunNowResult {
  outcome: DsarJobOutcome;
  request: DsarRequestRow;
}

/**
 * Works one request at once, for an operator (`parley dsar export|erase`): a retry the worker
 * scheduled for later is brought forward, then the request goes through the same leased job the
 * worker runs, so an instance working it meanwhile is never doubled: while one does, its progress
 * is followed until it answers (or dies, and this run takes over). A request already answered
 * (the server's worker usually takes one the moment it is received) is reported as it stands.
 * `onProgress` sees the progress the job records on the request.
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
  const bringForward = async () => {
    const now = (deps.now ?? (() => new Date()))();
    await deps.db
      .update(dsarRequests)
      .set({ nextAttemptAt: now })
      .where(and(eq(dsarRequests.id, requestId), inArray(dsarRequests.state, OPEN), gt(dsarRequests.nextAttemptAt, now)));
  };
  await bringForward();
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
    let outcome = await runDsarJob(deps, requestId);
    while (outcome === 'skipped') {
      const row = await read();
      if (!row || !OPEN.includes(row.state)) break;
      // Not held by anyone: a retry was scheduled meanwhile; held: another instance works it.
      if (!row.leaseOwner) await bringForward();
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      outcome = await runDsarJob(deps, requestId);
    }
    await poll();
    const request = (await read())!;
    return { outcome: outcome === 'skipped' && !OPEN.includes(request.state) ? (request.state as DsarJobOutcome) : outcome, request };
  } finally {
    clearInterval(timer);
  }
}
