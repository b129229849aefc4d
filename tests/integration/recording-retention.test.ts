import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEncryptedFile } from '../../media/encryption/format.js';
import type { Database } from '../../backend/src/db/client.js';
import { auditEvents, recordings } from '../../backend/src/db/schema/index.js';
import { BlobStoreUnavailableError, type BlobStore } from '../../backend/src/ports/blob-store.js';
import { deleteDueRecordings } from '../../backend/src/services/recordings/delete-due.js';
import { recordingKeyFor } from '../../backend/src/services/recordings/keys.js';
import { runRecordingJob } from '../../backend/src/services/recordings/pipeline.js';
import { captureRawCall, composingOnce, pipelineDeps, seedEndedRecordedCall, type SeededRecording } from '../support/recording-fixtures.js';
import { startTestStack, type TestApp } from '../support/test-app.js';

const DAY = 86_400_000;

describe('recordings past their retention', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  let database: Database;
  let rawTemplate: string;
  let t: TestApp;
  let agent: string;
  let stores: TestApp['recordings'];
  let due: SeededRecording;
  let kept: SeededRecording;

  beforeAll(async () => {
    [stack, rawTemplate] = await Promise.all([startTestStack('retention'), captureRawCall(2)]);
    ({ database, t } = stack);
    stores = t.recordings;
    const session = await t.signInAgent('acme');
    agent = session.token;
    // Consultation keeps recordings 90 days, Advice call five years.
    due = await seedEndedRecordedCall(database.db, t.dataDir, session, rawTemplate, { meetingType: 'consultation' });
    kept = await seedEndedRecordedCall(database.db, t.dataDir, session, rawTemplate, { meetingType: 'advice' });
    for (const seeded of [due, kept]) expect(await runRecordingJob(pipelineDeps(database.db, t.dataDir, stores, { composer: composingOnce }), seeded.recordingId)).toBe('done');
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
    rmSync(rawTemplate, { recursive: true, force: true });
  });

  const rowOf = async (id: string) => (await database.db.select().from(recordings).where(eq(recordings.id, id)))[0]!;

  it('destroys the key, removes the blob, and leaves a copy of the blob unreadable', async () => {
    const before = await rowOf(due.recordingId);
    const blobFile = join(t.dataDir, 'store', before.objectKey!);
    const copy = readFileSync(blobFile);
    const storedAt = before.storedAt!.getTime();
    // The copy opens under the key Parley can make now, so what follows can fail.
    const reader = { read: async (b: Buffer, o: number, l: number, p: number) => ({ bytesRead: copy.copy(b, o, p, p + l) }), stat: async () => ({ size: copy.length }) };
    const keyBefore = await recordingKeyFor({ db: database.db, masterKeys: stores.masterKeys }, before);
    expect((await openEncryptedFile(reader, keyBefore)).plaintextLength).toBeGreaterThan(0);

    // One day short of 90: nothing happens.
    expect(await deleteDueRecordings({ db: database.db, stores: stores.stores, logger: pino({ level: 'silent' }) }, new Date(storedAt + 89 * DAY))).toEqual({ shredded: 0, blobsRemoved: 0 });
    expect((await rowOf(due.recordingId)).stage).toBe('done');

    const at = new Date(storedAt + 91 * DAY);
    // The store is down at first: the key goes anyway, the blob waits for the next run.
    const down: BlobStore = { ...stores.stores.get('local')!, delete: () => Promise.reject(new BlobStoreUnavailableError('down')), location: 'local', region: 'eu' };
    const deps = { db: database.db, logger: pino({ level: 'silent' }) };
    expect(await deleteDueRecordings({ ...deps, stores: new Map([['local', down]]) }, at)).toEqual({ shredded: 1, blobsRemoved: 0 });
    const shredded = await rowOf(due.recordingId);
    expect(shredded).toMatchObject({ stage: 'deleted', wrappedKey: null, deletionReason: 'retention', blobDeletedAt: null });
    expect((await rowOf(kept.recordingId)).stage).toBe('done');

    expect(await deleteDueRecordings({ ...deps, stores: stores.stores }, at)).toEqual({ shredded: 0, blobsRemoved: 1 });
    expect((await rowOf(due.recordingId)).blobDeletedAt).not.toBeNull();
    expect(await stores.stores.get('local')!.head(before.objectKey!)).toBeNull();

    // Parley holds no key for it any more and will not make one: a copy of the blob taken before
    // opens under no key Parley can produce. (A database backup from before still holds the wrapped
    // key; erasing the customer destroys the subject key under it, which covers backups too.)
    await expect(recordingKeyFor({ db: database.db, masterKeys: stores.masterKeys }, shredded)).rejects.toThrow(/destroyed/);
    expect((await rowOf(due.recordingId)).wrappedKey).toBeNull();

    const actions = (await database.db.select().from(auditEvents).where(eq(auditEvents.subjectId, due.recordingId))).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['recording.key_destroyed', 'recording.blob_deleted']));
  });

  it('answers playback of a deleted recording with 410 and shows it as deleted', async () => {
    const res = await t.call('POST', `/api/recordings/${due.recordingId}/playback`, { token: agent });
    expect(res.status).toBe(410);
    expect(res.body.error.code).toBe('RECORDING_DELETED');
    expect((await t.call('GET', `/api/recordings/${due.recordingId}`, { token: agent })).body.recording).toMatchObject({ status: 'deleted', problem: null, deletionReason: 'retention' });
    expect((await t.call('GET', `/api/recordings/${kept.recordingId}`, { token: agent })).body.recording).toMatchObject({ deletionReason: null });
    expect((await t.call('POST', `/api/recordings/${kept.recordingId}/playback`, { token: agent })).status).toBe(201);
    const audits = await database.db.select().from(auditEvents).where(and(eq(auditEvents.subjectId, due.recordingId), eq(auditEvents.action, 'recording.playback_started')));
    expect(audits).toEqual([]);
  });
});
