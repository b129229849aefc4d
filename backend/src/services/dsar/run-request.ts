import { and, eq, sql } from 'drizzle-orm';
import { dsarRequests } from '../../db/schema/index.js';
import { recordAudit } from '../audit/record.js';
import { retryDelayMs, type BackoffPolicy } from '../outbox/backoff.js';
import { claimDsarRequest, releaseDsarLease, renewDsarLease } from './claim.js';
import { runErasureRequest, type ErasureDeps } from './erase/run-erasure.js';
import { runAccessRequest, type AccessRequestDeps } from './export/run-access-request.js';
import type { DsarProgress, DsarRequestRow, DsarRunResult } from './job.js';
import { DsarNotYet } from './not-yet.js';

export interface DsarWorkerDeps extends ErasureDeps, Pick<AccessRequestDeps, 'exportTtlSeconds'> {
  /** This worker's lease owner id and how long a claim lasts without renewal. */
  lease: { owner: string; ms: number };
  retry: BackoffPolicy;
}

export type DsarJobOutcome = DsarRunResult['state'] | 'waiting' | 'skipped';

class LeaseLost extends Error {}


const clockOf = (deps: DsarWorkerDeps) => deps.now ?? (() => new Date());

function noDataHeld(): DsarRunResult {
  return { state: 'completed', outcome: { noDataHeld: true, note: 'Parley holds no data about this subject.' } };
}

const finishedAction: Record<DsarRunResult['state'], string> = {
  completed: 'dsar.completed',
  refused: 'dsar.refused',
  partially_refused: 'dsar.partially_refused',
};

/**
 * Works one request from wherever it stopped. Every step of the work is idempotent, so a worker
 * killed at any point leaves a request the next worker finishes, with each change made once.
 */
export async function runDsarJob(deps: DsarWorkerDeps, requestId: string): Promise<DsarJobOutcome> {
  const clock = clockOf(deps);
  const owner = deps.lease.owner;
  const job = await claimDsarRequest(deps.db, requestId, owner, deps.lease.ms, clock());
  if (!job) return 'skipped';
  let leaseLost = false;
  const heartbeat = setInterval(() => {
    renewDsarLease(deps.db, job.id, owner, deps.lease.ms, clock()).then(
      (held) => (leaseLost ||= !held),
      () => undefined,
    );
  }, Math.max(250, Math.floor(deps.lease.ms / 3)));
  const held = and(eq(dsarRequests.id, job.id), eq(dsarRequests.leaseOwner, owner));
  try {
    const request = job.state === 'in_progress' ? job : await start(deps, job);
    const progress: DsarProgress = async (done, total) => {
      if (leaseLost) throw new LeaseLost();
      const moved = await deps.db.update(dsarRequests).set({ progressDone: done, progressTotal: total }).where(held).returning({ id: dsarRequests.id });
      if (moved.length !== 1) throw new LeaseLost();
    };
    const result =
      request.customerId === null
        ? noDataHeld()
        : request.kind === 'erasure'
          ? await runErasureRequest(deps, request, progress)
          : await runAccessRequest(deps, request, progress);
    if (leaseLost) throw new LeaseLost();
    await finish(deps, request, result);
    return result.state;
  } catch (error) {
    if (error instanceof LeaseLost) {
      deps.logger.warn({ requestId: job.id }, 'data-subject request lease lost; another worker continues');
      return 'skipped';
    }
    const attempts = job.attempts + 1;
    const wait = error instanceof DsarNotYet ? deps.retry.baseDelayMs : retryDelayMs(deps.retry, attempts, undefined);
    const message = error instanceof Error ? error.message : String(error);
    await deps.db
      .update(dsarRequests)
      .set({ attempts, lastError: message.slice(0, 500), nextAttemptAt: new Date(clock().getTime() + wait), updatedAt: clock() })
      .where(held);
    // The message stays in the database: a vendor's answer may name a ticket.
    deps.logger.warn({ requestId: job.id, attempts, error: error instanceof Error ? error.name : 'unknown' }, 'data-subject request not finished; will retry');
    return 'waiting';
  } finally {
    clearInterval(heartbeat);
    await releaseDsarLease(deps.db, job.id, owner).catch(() => undefined);
  }
}

/** Received → in progress (or a refusal whose reason ran out → in progress again), audited. */
async function start(deps: DsarWorkerDeps, job: DsarRequestRow): Promise<DsarRequestRow> {
  const now = clockOf(deps)();
  return deps.db.transaction(async (tx) => {
    const [row] = await tx
      .update(dsarRequests)
      .set({ state: 'in_progress', updatedAt: now })
      .where(and(eq(dsarRequests.id, job.id), eq(dsarRequests.leaseOwner, deps.lease.owner), eq(dsarRequests.state, job.state)))
      .returning();
    if (!row) throw new LeaseLost();
    await recordAudit(tx, {
      tenantId: job.tenantId,
      actor: { kind: 'system' },
      action: job.state === 'received' ? 'dsar.started' : 'dsar.resumed',
      subjectType: 'dsar_request',
      subjectId: job.id,
      details: { kind: job.kind, customerId: job.customerId, previousState: job.state },
    });
    return row;
  });
}

/** The answer: state, outcome (merged over what earlier runs and the extension recorded), audit. */
async function finish(deps: DsarWorkerDeps, request: DsarRequestRow, result: DsarRunResult): Promise<void> {
  const now = clockOf(deps)();
  const outcome = { ...result.outcome, retryAt: result.retryAt?.toISOString() ?? null, answeredAt: now.toISOString() };
  await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .update(dsarRequests)
      .set({
        state: result.state,
        outcome: sql`coalesce(${dsarRequests.outcome}, '{}'::jsonb) || ${JSON.stringify(outcome)}::jsonb`,
        completedAt: now,
        nextAttemptAt: result.retryAt ?? now,
        attempts: 0,
        lastError: null,
        leaseOwner: null,
        leaseExpiresAt: null,
        updatedAt: now,
      })
      .where(and(eq(dsarRequests.id, request.id), eq(dsarRequests.leaseOwner, deps.lease.owner), eq(dsarRequests.state, 'in_progress')))
      .returning({ id: dsarRequests.id });
    if (!row) throw new LeaseLost();
    await recordAudit(tx, {
      tenantId: request.tenantId,
      actor: { kind: 'system' },
      action: finishedAction[result.state],
      subjectType: 'dsar_request',
      subjectId: request.id,
      details: {
        kind: request.kind,
        customerId: request.customerId,
        retryAt: outcome.retryAt,
        answeredLate: now.getTime() > request.dueAt.getTime(),
      },
    });
  });
}
