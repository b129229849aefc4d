import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { and, eq, sql } from 'drizzle-orm';
import { syncPath } from '../../../../media/durable.js';
import { decryptStream, encryptStream } from '../../../../media/encryption/format.js';
import { RecordingComposeError } from '../../../../media/recording/errors.js';
import { recordingStoredCard } from '../../adapters/teams/recording-card.js';
import type { Db } from '../../db/client.js';
import { recordings, tenants } from '../../db/schema/index.js';
import type { Logger } from '../../logger.js';
import type { BlobStore } from '../../ports/blob-store.js';
import type { MasterKeys } from '../../ports/master-keys.js';
import type { RecordingComposer } from '../../ports/recording-composer.js';
import { recordAudit } from '../audit/record.js';
import { notes } from '../consent/notes.js';
import { retryDelayMs, type BackoffPolicy } from '../outbox/backoff.js';
import { noteOnTicket } from '../outbox/ticket-note.js';
import { singleSignOnEnabled } from '../saml/identity-provider.js';
import { claimRecording, releaseLease, renewLease, type RecordingJob } from './claim.js';
import { recordingKeyFor } from './keys.js';
import { regionAllowed } from './regions.js';
import { recordingPageUrl } from './viewer-links.js';
import { freshWorkDir, SEALED_FILE, wipePlaintext, workDirOf } from './work-dir.js';

export interface PipelineDeps {
  db: Db;
  composer: RecordingComposer;
  masterKeys: MasterKeys;
  /** Blob stores by location name. */
  stores: ReadonlyMap<string, BlobStore>;
  logger: Logger;
  dataDir: string;
  publicBaseUrl: string;
  /** This worker's lease owner id and how long a claim lasts without renewal. */
  lease: { owner: string; ms: number };
  retry: BackoffPolicy;
  /** Attempts at composing before a recording whose raw media cannot be decoded is given up. */
  maxComposeAttempts: number;
}

export type JobOutcome = 'done' | 'waiting' | 'failed' | 'skipped';

class LeaseLost extends Error {}

/** Where in a job a failure happened, for the retry message an operator reads. */
class StepError extends Error {
  constructor(
    readonly step: string,
    override readonly cause: unknown,
  ) {
    super(`${step}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/**
 * Takes one recording from wherever it stopped to `done`: compose (plaintext, in the work folder),
 * encrypt and verify, store, remove raw media. Each step is idempotent and records its stage, so
 * a worker killed at any point leaves a job the next worker finishes, with no plaintext kept.
 */
export async function runRecordingJob(deps: PipelineDeps, recordingId: string): Promise<JobOutcome> {
  const job = await claimRecording(deps.db, recordingId, deps.lease.owner, deps.lease.ms);
  if (!job) return 'skipped';
  const work = workDirOf(deps.dataDir, job.id);
  let leaseLost = false;
  const heartbeat = setInterval(() => {
    renewLease(deps.db, job.id, deps.lease.owner, deps.lease.ms).then(
      (held) => (leaseLost ||= !held),
      () => undefined,
    );
  }, Math.max(250, Math.floor(deps.lease.ms / 3)));
  const step = async (name: string, stage: RecordingJob['stage'], values: Partial<RecordingJob> = {}) => {
    if (leaseLost) throw new LeaseLost();
    const moved = await deps.db
      .update(recordings)
      .set({ ...values, stage, updatedAt: new Date() })
      .where(and(eq(recordings.id, job.id), eq(recordings.leaseOwner, deps.lease.owner)))
      .returning({ id: recordings.id });
    if (moved.length !== 1) throw new LeaseLost();
    deps.logger.debug({ recordingId: job.id, stage, step: name }, 'recording stage');
  };

  try {
    let stage = job.stage;
    const sealedExists = await stat(path.join(work, SEALED_FILE)).then(() => true, () => false);
    if (!['verified', 'stored'].includes(stage) || (stage === 'verified' && !sealedExists)) {
      await seal(deps, job, step);
      stage = 'verified';
    }
    if (stage === 'verified') {
      await store(deps, job);
      stage = 'stored';
    }
    await rm(job.rawDir, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
    // Recordings made before encryption kept a plain composed file here; the stored copy replaces it.
    await rm(path.join(deps.dataDir, 'recordings', `${job.callId}.webm`), { force: true });
    await step('remove raw', 'done', { leaseOwner: null, leaseExpiresAt: null });
    deps.logger.info({ recordingId: job.id }, 'recording stored and raw media removed');
    return 'done';
  } catch (error) {
    const outcome = error instanceof LeaseLost ? 'skipped' : await recordFailure(deps, job, error);
    if (outcome === 'skipped') {
      // The new owner composes in this same folder. It removes the plaintext when its job ends or
      // fails, as does any later run of the job (a fresh folder) and the start-up sweep.
      deps.logger.warn({ recordingId: job.id }, 'recording lease lost; another worker continues');
      return outcome;
    }
    await wipePlaintext(work);
    return outcome;
  } finally {
    clearInterval(heartbeat);
    await releaseLease(deps.db, job.id, deps.lease.owner).catch(() => undefined);
  }
}

type Step = (name: string, stage: RecordingJob['stage'], values?: Partial<RecordingJob>) => Promise<void>;

/** Raw .mjr → one composed file → encrypted, decrypted back and compared. Plaintext never leaves `work`. */
async function seal(deps: PipelineDeps, job: RecordingJob, step: Step): Promise<void> {
  const work = await freshWorkDir(deps.dataDir, job.id);
  const composed = path.join(work, 'composed.webm');
  const sealed = path.join(work, SEALED_FILE);
  const { durationSeconds, droppedTracks } = await deps.composer
    .compose({ rawDir: job.rawDir, outFile: composed, media: job.media, onPhase: (phase) => step(phase, phase) })
    .catch((error: unknown) => {
      throw error instanceof LeaseLost ? error : new StepError('composing', error);
    });
  if (droppedTracks > 0) deps.logger.warn({ recordingId: job.id, droppedTracks }, 'recording kept without tracks that held nothing playable');
  await step('encrypt', 'encrypting');
  const key = await recordingKeyFor(deps, job);
  try {
    const mediaSha256 = await encryptFile(key, job.keyId, composed, sealed);
    const check = createHash('sha256');
    await pipeline(createReadStream(sealed), decryptStream(key), new Writable({ write: (piece: Buffer, _e, done) => (check.update(piece), done()) }));
    if (check.digest('hex') !== mediaSha256) throw new StepError('verifying', new Error('decrypted recording differs from the composed media'));
    await rm(composed, { force: true });
    await step('verify', 'verified', { mediaSha256, durationSeconds, sizeBytes: (await stat(sealed)).size });
  } finally {
    key.fill(0);
  }
}

async function encryptFile(key: Buffer, keyId: string, from: string, to: string): Promise<string> {
  const digest = createHash('sha256');
  const partial = `${to}.partial`;
  const tap = new PassThrough();
  tap.on('data', (piece: Buffer) => digest.update(piece));
  await pipeline(createReadStream(from), tap, encryptStream(key, keyId), createWriteStream(partial, { mode: 0o600 }));
  await syncPath(partial);
  await rename(partial, to);
  return digest.digest('hex');
}

/** Sealed file → the meeting type's blob store, in a region the tenant allows; then the ticket learns of it. */
async function store(deps: PipelineDeps, job: RecordingJob): Promise<void> {
  const sealed = path.join(workDirOf(deps.dataDir, job.id), SEALED_FILE);
  const blobs = deps.stores.get(job.storageLocation);
  if (!blobs) throw new StepError('storing', new Error(`storage location "${job.storageLocation}" is not configured`));
  const [tenant] = await deps.db.select({ allowedRegions: tenants.allowedRegions }).from(tenants).where(eq(tenants.id, job.tenantId));
  if (!tenant || !regionAllowed(blobs.region, tenant.allowedRegions)) {
    throw new StepError('storing', new Error(`storage location "${blobs.location}" is in region ${blobs.region}, which this tenant does not allow`));
  }
  const objectKey = `tenants/${job.tenantId}/recordings/${job.id}.prly`;
  const size = (await stat(sealed)).size;
  try {
    await blobs.put(objectKey, createReadStream(sealed), size);
    const stored = await blobs.head(objectKey);
    if (stored?.size !== size) throw new Error(`stored object has ${stored?.size ?? 'no'} bytes, expected ${size}`);
  } catch (error) {
    throw new StepError('storing', error);
  }
  await deps.db.transaction(async (tx) => {
    const moved = await tx
      .update(recordings)
      .set({ stage: 'stored', objectKey, storedAt: new Date(), lastError: null, updatedAt: new Date() })
      .where(and(eq(recordings.id, job.id), eq(recordings.leaseOwner, deps.lease.owner)))
      .returning({ id: recordings.id });
    if (moved.length !== 1) throw new LeaseLost();
    const inTeams = { summary: notes.recordingStored(), card: recordingStoredCard(notes.recordingStored(), job.id) };
    const viewer = recordingPageUrl(deps.publicBaseUrl, job.id, (await singleSignOnEnabled(tx, job.tenantId)) ? job.tenantId : null);
    await noteOnTicket(tx, job, notes.recordingAvailable(viewer), `recording:${job.id}:stored`, inTeams);
    await recordAudit(tx, {
      tenantId: job.tenantId,
      actor: { kind: 'system' },
      action: 'recording.stored',
      subjectType: 'recording',
      subjectId: job.id,
      details: { callId: job.callId, location: blobs.location, region: blobs.region, sizeBytes: size },
    });
  });
}

/** Counts the failed attempt, or gives up; 'skipped' when another worker holds the job by now. */
async function recordFailure(deps: PipelineDeps, job: RecordingJob, error: unknown): Promise<JobOutcome> {
  const attempts = job.attempts + 1;
  const cause = error instanceof StepError ? error.cause : error;
  const message = (error instanceof Error ? error.message : String(error)).slice(0, 500);
  const giveUp = cause instanceof RecordingComposeError && attempts >= deps.maxComposeAttempts;
  const held = await deps.db.transaction(async (tx) => {
    const counted = await tx
      .update(recordings)
      .set(
        giveUp
          ? { stage: 'failed', attempts, lastError: message, updatedAt: new Date() }
          : {
              attempts,
              lastError: message,
              nextAttemptAt: sql`now() + ${`${retryDelayMs(deps.retry, attempts, undefined)} milliseconds`}::interval`,
              updatedAt: new Date(),
            },
      )
      .where(and(eq(recordings.id, job.id), eq(recordings.leaseOwner, deps.lease.owner)))
      .returning({ id: recordings.id });
    if (counted.length !== 1) return false;
    if (giveUp) {
      await recordAudit(tx, {
        tenantId: job.tenantId,
        actor: { kind: 'system' },
        action: 'recording.failed',
        subjectType: 'recording',
        subjectId: job.id,
        details: { callId: job.callId, attempts },
      });
    }
    return true;
  });
  if (!held) return 'skipped';
  deps.logger.error({ recordingId: job.id, attempts, err: error }, giveUp ? 'recording given up; raw media kept for an operator' : 'recording step failed; will retry');
  return giveUp ? 'failed' : 'waiting';
}
