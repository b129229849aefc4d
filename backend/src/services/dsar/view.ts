import type { DsarRequestRow } from './job.js';

const DAY_MS = 86_400_000;

/** Art. 12(3): one month from receipt, counted here as 30 days. */
export const RESPONSE_DAYS = 30;

export const OPEN_STATES = ['received', 'in_progress'] as const;

export function isOpen(state: DsarRequestRow['state']): boolean {
  return (OPEN_STATES as readonly string[]).includes(state);
}

/** What the DPO sees of a request: where it stands against its deadline, and what was done. */
export function dsarView(row: DsarRequestRow, now: Date = new Date()) {
  const open = isOpen(row.state);
  const retryAt = typeof row.outcome?.retryAt === 'string' ? row.outcome.retryAt : null;
  return {
    id: row.id,
    kind: row.kind,
    state: row.state,
    customerId: row.customerId,
    subjectKnown: row.customerId !== null,
    verification: { method: row.verification, verifiedBy: row.verifiedBy },
    receivedAt: row.receivedAt.toISOString(),
    dueAt: row.dueAt.toISOString(),
    // Whole days, rounded up: "due today" is 0 until the moment passes, then the request is overdue.
    daysLeft: open ? Math.ceil((row.dueAt.getTime() - now.getTime()) / DAY_MS) : null,
    overdue: open && now.getTime() > row.dueAt.getTime(),
    extended: row.extensionReason !== null,
    extensionReason: row.extensionReason,
    progress: { done: row.progressDone, total: row.progressTotal },
    outcome: row.outcome ?? null,
    /** For a refusal that ends with a retention period: when the request is worked again. */
    nextRunAt: retryAt,
    lastError: row.lastError,
    completedAt: row.completedAt?.toISOString() ?? null,
  };
}

export type DsarView = ReturnType<typeof dsarView>;
