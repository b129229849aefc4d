import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FfmpegComposer } from '../../backend/src/adapters/recording/ffmpeg-composer.js';
import type { Database, Db } from '../../backend/src/db/client.js';
import { auditEvents, recordings } from '../../backend/src/db/schema/index.js';
import type { RecordingComposer } from '../../backend/src/ports/recording-composer.js';
import { claimRecording, newLeaseOwner, renewLease } from '../../backend/src/services/recordings/claim.js';
import { runRecordingJob } from '../../backend/src/services/recordings/pipeline.js';
import { freshWorkDir, workDirOf, workRoot } from '../../backend/src/services/recordings/work-dir.js';
import { databaseKinds, freshDatabase } from '../support/databases.js';
import { captureRawCall, localStores, pipelineDeps, plaintextMediaUnder, seedEndedRecordedCall, seedTenant } from '../support/recording-fixtures.js';

let rawTemplate: string;

beforeAll(async () => {
  rawTemplate = await captureRawCall(2);
}, 60_000);

afterAll(async () => {
  await rm(rawTemplate, { recursive: true, force: true });
});

/**
 * The real database, except that `meanwhile` runs just before the first UPDATE it is asked for
 * executes: another instance's write landing between a read and the write that relies on it.
 */
function writingFirst(db: Db, meanwhile: () => Promise<unknown>): Db {
  let pending: (() => Promise<unknown>) | undefined = meanwhile;
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop !== 'update') return Reflect.get(target, prop, receiver) as unknown;
      return (table: typeof recordings) => {
        const builder = target.update(table);
        return {
          set: (values: Parameters<typeof builder.set>[0]) => {
            const query = builder.set(values);
            const execute = query.execute;
            query.execute = async (placeholders) => {
              const before = pending;
              pending = undefined;
              await before?.();
              return execute(placeholders);
            };
            return query;
          },
        };
      };
    },
  });
}

describe.each(databaseKinds)('recording lease fencing on %s', (kind) => {
  let database: Database;
  let dataDir: string;
  let stores: ReturnType<typeof localStores>;
  let tenant: { tenantId: string; agentId: string };

  beforeAll(async () => {
    database = await freshDatabase(kind);
    dataDir = await mkdtemp(path.join(tmpdir(), 'parley-lease-fencing-'));
    stores = localStores(dataDir);
    tenant = await seedTenant(database.db, `lease-fencing-${kind}`);
  });

  afterAll(async () => {
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const rowOf = async (recordingId: string) => (await database.db.select().from(recordings).where(eq(recordings.id, recordingId)))[0]!;
  /** What a database outage longer than the lease leaves: a live holder whose lease has run out. */
  const lapse = (recordingId: string) =>
    database.db.update(recordings).set({ leaseExpiresAt: new Date(Date.now() - 60_000) }).where(eq(recordings.id, recordingId));

  it('refuses a claim when the lapsed holder renews between the claim reading the lease and taking it', async () => {
    const seeded = await seedEndedRecordedCall(database.db, dataDir, tenant, rawTemplate);
    const holder = newLeaseOwner();
    const latecomer = newLeaseOwner();
    await database.db.update(recordings).set({ stage: 'muxing', leaseOwner: holder }).where(eq(recordings.id, seeded.recordingId));
    await lapse(seeded.recordingId);

    const renewed: boolean[] = [];
    const racing = writingFirst(database.db, async () => renewed.push(await renewLease(database.db, seeded.recordingId, holder, 30_000)));
    expect(await claimRecording(racing, seeded.recordingId, latecomer, 30_000)).toBeNull();
    expect(renewed).toEqual([true]);
    expect(await rowOf(seeded.recordingId)).toMatchObject({ leaseOwner: holder, stage: 'muxing' });

    // Without the renewal the lapsed lease is free, so the refusal above came from the renewal.
    await lapse(seeded.recordingId);
    expect(await claimRecording(database.db, seeded.recordingId, latecomer, 30_000)).toMatchObject({ leaseOwner: latecomer });
  }, 30_000);

  it('does not give a worker a recording it holds a live lease on, only one whose lease ran out', async () => {
    const seeded = await seedEndedRecordedCall(database.db, dataDir, tenant, rawTemplate);
    const owner = newLeaseOwner();
    expect(await claimRecording(database.db, seeded.recordingId, owner, 30_000)).toMatchObject({ leaseOwner: owner });
    // The same worker asking again (a second drain beside the running one) must not compose it twice.
    expect(await claimRecording(database.db, seeded.recordingId, owner, 30_000)).toBeNull();
    await lapse(seeded.recordingId);
    expect(await claimRecording(database.db, seeded.recordingId, owner, 30_000)).toMatchObject({ leaseOwner: owner });
  }, 30_000);

  /**
   * The real composer, except that once muxing is due the worker's lease lapses and another worker
   * takes the job over and starts composing in the shared work folder, as its own seal step does.
   */
  function takenOverWhileMuxing(newOwner: string, checkLeaseFirst: boolean): RecordingComposer {
    const real = new FfmpegComposer();
    return {
      compose: (input) =>
        real.compose({
          ...input,
          onPhase: async (phase) => {
            if (phase !== 'muxing') return input.onPhase?.(phase);
            // Checking after: ffmpeg is already running for the old worker when its folder is emptied.
            if (!checkLeaseFirst) await input.onPhase?.(phase);
            const recordingId = path.basename(path.dirname(input.outFile));
            await lapse(recordingId);
            expect(await claimRecording(database.db, recordingId, newOwner, 30_000)).toMatchObject({ leaseOwner: newOwner });
            const work = await freshWorkDir(dataDir, recordingId);
            await mkdir(path.join(work, '.compose-new-owner'));
            await writeFile(path.join(work, '.compose-new-owner', 'track-0.opus'), Buffer.concat([Buffer.from('OggS'), Buffer.alloc(64)]));
            // Checking first: the old worker finds the lease gone at its next step.
            if (checkLeaseFirst) await input.onPhase?.(phase);
          },
        }),
    };
  }

  it.each([
    { when: 'at its next step', checkLeaseFirst: true, stage: 'converting' },
    { when: 'while ffmpeg runs for it', checkLeaseFirst: false, stage: 'muxing' },
  ])('a worker whose lease was taken over $when records no failure and leaves the new owner its work folder', async ({ checkLeaseFirst, stage }) => {
    const seeded = await seedEndedRecordedCall(database.db, dataDir, tenant, rawTemplate);
    const newOwner = newLeaseOwner();
    const composer = takenOverWhileMuxing(newOwner, checkLeaseFirst);
    // A long lease keeps the old worker's heartbeat quiet: the takeover alone decides who holds the job.
    const oldWorker = pipelineDeps(database.db, dataDir, stores, { composer, lease: { owner: newLeaseOwner(), ms: 3_600_000 }, maxComposeAttempts: 1 });

    expect(await runRecordingJob(oldWorker, seeded.recordingId)).toBe('skipped');
    expect(await rowOf(seeded.recordingId)).toMatchObject({ leaseOwner: newOwner, stage, attempts: 0, lastError: null });
    const failed = await database.db.select().from(auditEvents).where(and(eq(auditEvents.subjectId, seeded.recordingId), eq(auditEvents.action, 'recording.failed')));
    expect(failed).toEqual([]);
    expect(await plaintextMediaUnder(workDirOf(dataDir, seeded.recordingId))).toEqual([path.join('.compose-new-owner', 'track-0.opus')]);

    // The new owner finishes the job, and with it no plaintext is left in the work folder. (The claim
    // above stood in for its run; that lease lapses first, or the owner would be told it is busy.)
    await lapse(seeded.recordingId);
    const newWorker = pipelineDeps(database.db, dataDir, stores, { lease: { owner: newOwner, ms: 30_000 } });
    expect(await runRecordingJob(newWorker, seeded.recordingId)).toBe('done');
    expect(await plaintextMediaUnder(workRoot(dataDir))).toEqual([]);
  }, 90_000);
});
