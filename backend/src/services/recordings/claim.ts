import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { and, asc, eq, inArray, isNull, lte, notInArray, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { calls, recordings } from '../../db/schema/index.js';

export type RecordingJob = typeof recordings.$inferSelect;

// A deleted recording (retention, erasure) is finished too: its key is gone and nothing may restart it.
const FINISHED_STAGES = ['done', 'failed', 'deleted'] as const;
const FINISHED_CALLS = ['ended', 'failed'] as const;

/** Tells this process apart from an earlier one that had the same pid (a restarted container). */
const PROCESS_NONCE = randomBytes(4).toString('hex');

/**
 * Names this worker as host:pid:process:worker, so a restarted process on the same host sees at
 * once that the old owner is gone, even when it got the same pid.
 */
export function newLeaseOwner(): string {
  return `${hostname()}:${process.pid}:${PROCESS_NONCE}:${randomBytes(4).toString('hex')}`;
}

/** A lease owner on this host whose process no longer exists (killed, crashed). */
export function ownerIsGone(owner: string): boolean {
  const [host, pid, processNonce] = owner.split(':');
  if (host !== hostname() || !pid) return false;
  if (Number(pid) === process.pid) return processNonce !== PROCESS_NONCE;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Recordings whose call is over and whose work is not: found from the database, not from media-server events. */
export async function findDueRecordings(db: Db, limit = 20): Promise<string[]> {
  const rows = await db
    .select({ id: recordings.id })
    .from(recordings)
    .innerJoin(calls, eq(calls.id, recordings.callId))
    .where(and(notInArray(recordings.stage, [...FINISHED_STAGES]), lte(recordings.nextAttemptAt, sql`now()`), inArray(calls.state, [...FINISHED_CALLS])))
    .orderBy(asc(recordings.nextAttemptAt))
    .limit(limit);
  return rows.map((r) => r.id);
}

/**
 * Takes the job for `leaseMs` if it is due and nobody live holds it. The update is conditional on
 * the lease as it was read, expiry included, so of two workers racing for one recording exactly
 * one wins, and a live holder that renews after the read keeps its job.
 */
export async function claimRecording(db: Db, recordingId: string, owner: string, leaseMs: number): Promise<RecordingJob | null> {
  const [seen] = await db
    .select({ job: recordings, callState: calls.state, dbNow: sql<Date>`now()`.mapWith((v: string | Date) => new Date(v)) })
    .from(recordings)
    .innerJoin(calls, eq(calls.id, recordings.callId))
    .where(eq(recordings.id, recordingId));
  if (!seen) return null;
  const { job } = seen;
  if ((FINISHED_STAGES as readonly string[]).includes(job.stage)) return null;
  if (!(FINISHED_CALLS as readonly string[]).includes(seen.callState)) return null;
  if (job.nextAttemptAt > seen.dbNow) return null;
  const holder = job.leaseOwner;
  // A live lease of this very owner is not free either: it is working the recording right now
  // (every run releases its lease when it ends), and a second run beside it would compose twice.
  const holderCannotRenew = !holder || ownerIsGone(holder);
  const expired = !job.leaseExpiresAt || job.leaseExpiresAt <= seen.dbNow;
  if (!holderCannotRenew && !expired) return null;

  // A live holder may still renew between the read and this update: the lease must still be lapsed.
  const leaseAsRead = holder ? eq(recordings.leaseOwner, holder) : isNull(recordings.leaseOwner);
  const stillLapsed = holderCannotRenew ? undefined : or(isNull(recordings.leaseExpiresAt), lte(recordings.leaseExpiresAt, sql`now()`));
  const [claimed] = await db
    .update(recordings)
    .set({ leaseOwner: owner, leaseExpiresAt: sql`now() + ${`${leaseMs} milliseconds`}::interval`, updatedAt: new Date() })
    .where(and(eq(recordings.id, recordingId), leaseAsRead, stillLapsed, eq(recordings.stage, job.stage)))
    .returning();
  return claimed ?? null;
}

/** Extends the lease; false when another worker has taken the job meanwhile. */
export async function renewLease(db: Db, recordingId: string, owner: string, leaseMs: number): Promise<boolean> {
  const rows = await db
    .update(recordings)
    .set({ leaseExpiresAt: sql`now() + ${`${leaseMs} milliseconds`}::interval` })
    .where(and(eq(recordings.id, recordingId), eq(recordings.leaseOwner, owner)))
    .returning({ id: recordings.id });
  return rows.length === 1;
}

export async function releaseLease(db: Db, recordingId: string, owner: string): Promise<void> {
  await db
    .update(recordings)
    .set({ leaseOwner: null, leaseExpiresAt: null })
    .where(and(eq(recordings.id, recordingId), eq(recordings.leaseOwner, owner)));
}
