import { createHash, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { and, eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptStream, openEncryptedFile } from '../../media/encryption/format.js';
import { probeMedia } from '../../media/recording/compose.js';
import { startFakeS3, type FakeS3 } from '../../backend/src/adapters/storage/fake-s3-server.js';
import type { Database } from '../../backend/src/db/client.js';
import { auditEvents, calls, legalHolds, meetingTypes, outboxMessages, recordings, samlConfigs, tenants } from '../../backend/src/db/schema/index.js';
import { BlobStoreUnavailableError, type BlobStore } from '../../backend/src/ports/blob-store.js';
import { findLocationProblems } from '../../backend/src/services/recordings/check-locations.js';
import { recordingKeyFor } from '../../backend/src/services/recordings/keys.js';
import { runRecordingJob } from '../../backend/src/services/recordings/pipeline.js';
import { removeFailedRawMedia, sweepOrphanedRawMedia } from '../../backend/src/services/recordings/sweep-raw.js';
import { recordingView } from '../../backend/src/services/recordings/view.js';
import { createRecordingWorker, sweepAbandonedPlaintext } from '../../backend/src/services/recordings/worker.js';
import { databaseKinds, freshDatabase } from '../support/databases.js';
import { captureRawCall, localStores, pipelineDeps, plaintextMediaUnder, seedEndedRecordedCall, seedTenant } from '../support/recording-fixtures.js';

let rawTemplate: string;

beforeAll(async () => {
  rawTemplate = await captureRawCall(4);
}, 60_000);

afterAll(async () => {
  await rm(rawTemplate, { recursive: true, force: true });
});

/** Fault injection at the storage port: the store refuses writes while `down` is set. */
function flaky(store: BlobStore) {
  const state = { down: true, attempts: 0 };
  const wrapped: BlobStore = {
    location: store.location,
    region: store.region,
    put: async (key, body, size) => {
      state.attempts += 1;
      if (state.down) {
        body.destroy();
        throw new BlobStoreUnavailableError('local storage cannot write (ENOSPC)');
      }
      return store.put(key, body, size);
    },
    putFile: (key, file) => store.putFile(key, file),
    head: (key) => store.head(key),
    open: (key) => store.open(key),
    delete: (key) => store.delete(key),
  };
  return { store: wrapped, state };
}

describe.each(databaseKinds)('recording pipeline on %s', (kind) => {
  let database: Database;
  let dataDir: string;
  let stores: ReturnType<typeof localStores>;
  let tenant: { tenantId: string; agentId: string };
  /** Raw folders of recordings that were given up: kept on purpose. */
  const keptForOperator: string[] = [];

  beforeAll(async () => {
    database = await freshDatabase(kind);
    dataDir = await mkdtemp(path.join(tmpdir(), 'parley-pipeline-'));
    stores = localStores(dataDir);
    tenant = await seedTenant(database.db, `pipeline-${kind}`);
  });

  afterAll(async () => {
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const decrypted = async (recordingId: string) => {
    const [row] = await database.db.select().from(recordings).where(eq(recordings.id, recordingId));
    const key = await recordingKeyFor({ db: database.db, masterKeys: stores.masterKeys }, row!);
    const file = path.join(dataDir, 'check', `${recordingId}.webm`);
    await rm(path.dirname(file), { recursive: true, force: true });
    await mkdir(path.dirname(file), { recursive: true });
    const reader = await stores.stores.get('local')!.open(row!.objectKey!);
    const chunks: Buffer[] = [];
    const size = (await reader.stat()).size;
    const all = Buffer.alloc(size);
    await reader.read(all, 0, size, 0);
    await reader.close();
    await pipeline([all], decryptStream(key), new Writable({ write: (piece: Buffer, _e, done) => (chunks.push(piece), done()) }));
    await writeFile(file, Buffer.concat(chunks));
    return { file, row: row!, ciphertext: all };
  };

  it('stores a required recording encrypted, once, and leaves no plaintext media behind', async () => {
    const seeded = await seedEndedRecordedCall(database.db, dataDir, tenant, rawTemplate, { ticketId: '101' });
    // Where recordings were kept unencrypted before: the stored copy replaces that file.
    const legacy = path.join(dataDir, 'recordings', `${seeded.callId}.webm`);
    await writeFile(legacy, Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0, 0]));
    const outcome = await runRecordingJob(pipelineDeps(database.db, dataDir, stores), seeded.recordingId);
    expect(outcome).toBe('done');

    const { file, row, ciphertext } = await decrypted(seeded.recordingId);
    expect(row).toMatchObject({ stage: 'done', lastError: null, objectKey: `tenants/${seeded.tenantId}/recordings/${seeded.recordingId}.prly` });
    expect(ciphertext.subarray(0, 7).toString('latin1')).toBe('PRLYENC');
    expect(createHash('sha256').update(await readFile(file)).digest('hex')).toBe(row.mediaSha256);
    const probe = await probeMedia(file);
    expect(probe.streams.map((s) => s.type).sort()).toEqual(['audio', 'video']);
    expect(probe.durationSeconds).toBeGreaterThanOrEqual(3);
    await rm(path.dirname(file), { recursive: true, force: true });

    // Raw media and every intermediate file are gone; only ciphertext remains under the data dir.
    await expect(stat(seeded.rawDir)).rejects.toThrow(/ENOENT/);
    await expect(stat(legacy)).rejects.toThrow(/ENOENT/);
    expect(await plaintextMediaUnder(dataDir)).toEqual([]);
    const storedFiles = await readdir(path.join(dataDir, 'store', 'tenants', seeded.tenantId, 'recordings'));
    expect(storedFiles).toEqual([`${seeded.recordingId}.prly`]);

    // The ticket learns of it through an internal note that links to the viewer, never to a file.
    const [note] = await database.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, `recording:${seeded.recordingId}:stored`));
    // The account has no single sign-on: the link names the recording alone, and the viewer points at the sidebar.
    expect(note?.payload).toMatchObject({ ticketId: '101', public: false, body: expect.stringContaining(`/app/recording.html?recording=${seeded.recordingId}`) });
    expect(JSON.stringify(note?.payload)).not.toMatch(/\.prly|\.webm|store\//);
    const audit = await database.db.select().from(auditEvents).where(and(eq(auditEvents.subjectId, seeded.recordingId), eq(auditEvents.action, 'recording.stored')));
    expect(audit).toHaveLength(1);
  }, 60_000);

  it('names the account in the note’s link when it has single sign-on, so the viewer can offer it', async () => {
    await database.db.insert(samlConfigs).values({ tenantId: tenant.tenantId, idpEntityId: 'https://idp.example/', idpSsoUrl: 'https://idp.example/sso', idpCertificate: 'PEM' });
    try {
      const seeded = await seedEndedRecordedCall(database.db, dataDir, tenant, rawTemplate, { ticketId: '102' });
      expect(await runRecordingJob(pipelineDeps(database.db, dataDir, stores), seeded.recordingId)).toBe('done');
      const [note] = await database.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, `recording:${seeded.recordingId}:stored`));
      expect(note?.payload).toMatchObject({ ticketId: '102', body: expect.stringContaining(`/app/recording.html?account=${tenant.tenantId}&recording=${seeded.recordingId}`) });
    } finally {
      await database.db.delete(samlConfigs).where(eq(samlConfigs.tenantId, tenant.tenantId));
    }
  }, 60_000);

  it('tells a Teams chat with a card whose button opens the viewer inside Teams, not with a link', async () => {
    const chat = `19:recorded-${randomUUID()}@thread.v2`;
    const seeded = await seedEndedRecordedCall(database.db, dataDir, tenant, rawTemplate, { teamsChat: chat });
    expect(await runRecordingJob(pipelineDeps(database.db, dataDir, stores), seeded.recordingId)).toBe('done');

    const [note] = await database.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, `recording:${seeded.recordingId}:stored`));
    expect(note?.kind).toBe('teams.activity');
    const { conversationId, activity } = note!.payload as { conversationId: string; activity: { summary: string; text?: string; attachments: { contentType: string; content: { body: { text: string }[]; actions: { title: string; data: unknown }[] } }[] } };
    expect(conversationId).toBe(chat);
    expect(activity.summary).toBe('Parley: the recording of the video call is stored, encrypted.');
    // A link in a chat would open outside Teams, signed out; the button asks the bot for a dialog instead.
    expect(activity.text).toBeUndefined();
    const [card] = activity.attachments;
    expect(card?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(card?.content.body[0]?.text).toBe(activity.summary);
    expect(card?.content.actions).toEqual([
      { type: 'Action.Submit', title: 'Play recording', data: { msteams: { type: 'task/fetch' }, parley: 'parley.play_recording', recordingId: seeded.recordingId } },
    ]);
    // No link to anything but the card format's own schema.
    expect(JSON.stringify(note?.payload).replace('http://adaptivecards.io/schemas/adaptive-card.json', '')).not.toMatch(/\.prly|\.webm|store\/|https?:/);
  }, 60_000);

  it('keeps no video for an audio-only meeting type, even when the type allows video by the time the recording is made', async () => {
    const consultation = and(eq(meetingTypes.tenantId, tenant.tenantId), eq(meetingTypes.key, 'consultation'));
    await database.db.update(meetingTypes).set({ media: 'audio' }).where(consultation);
    const seeded = await seedEndedRecordedCall(database.db, dataDir, tenant, rawTemplate, { meetingType: 'consultation' });
    // The customer was told "audio only" for this call; an admin's later edit does not change what is kept.
    await database.db.update(meetingTypes).set({ media: 'audio+video' }).where(consultation);
    try {
      expect(await runRecordingJob(pipelineDeps(database.db, dataDir, stores), seeded.recordingId)).toBe('done');
      const { file, row } = await decrypted(seeded.recordingId);
      expect((await probeMedia(file)).streams.map((s) => s.type)).toEqual(['audio']);
      expect(recordingView(row!)).toMatchObject({ status: 'available', media: 'audio' });
      await rm(path.dirname(file), { recursive: true, force: true });
    } finally {
      await database.db.update(meetingTypes).set({ media: 'audio+video' }).where(consultation);
    }
  }, 60_000);

  it('waits in a visible retryable state while storage fails, leaks no plaintext, and finishes once storage is back', async () => {
    const seeded = await seedEndedRecordedCall(database.db, dataDir, tenant, rawTemplate);
    const { store, state } = flaky(stores.stores.get('local')!);
    const deps = pipelineDeps(database.db, dataDir, { masterKeys: stores.masterKeys, stores: new Map([['local', store]]) });

    expect(await runRecordingJob(deps, seeded.recordingId)).toBe('waiting');
    const [waiting] = await database.db.select().from(recordings).where(eq(recordings.id, seeded.recordingId));
    expect(waiting).toMatchObject({ stage: 'verified', attempts: 1, leaseOwner: null, lastError: expect.stringMatching(/storing: .*ENOSPC/) });
    // Agents see the step that failed in plain words; the error text itself is for operators.
    expect(recordingView(waiting!)).toMatchObject({
      status: 'waiting_to_retry',
      problem: 'The recording could not be written to its storage location.',
      nextAttemptAt: waiting!.nextAttemptAt.toISOString(),
    });
    expect(waiting!.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() - 1000);
    // The only new file is the verified ciphertext; the raw folder is the media server's and stays until stored.
    const plaintext = await plaintextMediaUnder(dataDir);
    expect(plaintext.every((file) => file.startsWith(path.relative(dataDir, seeded.rawDir)))).toBe(true);

    state.down = false;
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await runRecordingJob(deps, seeded.recordingId)).toBe('done');
    expect(state.attempts).toBe(2);
    const [done] = await database.db.select().from(recordings).where(eq(recordings.id, seeded.recordingId));
    expect(done).toMatchObject({ stage: 'done', lastError: null });
    expect(await plaintextMediaUnder(dataDir)).toEqual([]);
  }, 60_000);

  it('refuses to store outside the regions the tenant allows, and says why', async () => {
    const seeded = await seedEndedRecordedCall(database.db, dataDir, tenant, rawTemplate);
    await database.db.update(tenants).set({ allowedRegions: ['ch'] }).where(eq(tenants.id, tenant.tenantId));
    const deps = pipelineDeps(database.db, dataDir, stores);
    try {
      expect(await runRecordingJob(deps, seeded.recordingId)).toBe('waiting');
      const [row] = await database.db.select().from(recordings).where(eq(recordings.id, seeded.recordingId));
      expect(row).toMatchObject({ stage: 'verified', lastError: expect.stringContaining('region eu, which this tenant does not allow') });
    } finally {
      await database.db.update(tenants).set({ allowedRegions: ['eu'] }).where(eq(tenants.id, tenant.tenantId));
    }
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await runRecordingJob(deps, seeded.recordingId)).toBe('done');
  }, 60_000);

  it('gives up on raw media that cannot be decoded, keeping it for an operator', async () => {
    const seeded = await seedEndedRecordedCall(database.db, dataDir, tenant, rawTemplate);
    for (const name of await readdir(seeded.rawDir)) await writeFile(path.join(seeded.rawDir, name), 'MJR00002');
    const deps = pipelineDeps(database.db, dataDir, stores, { maxComposeAttempts: 2 });
    expect(await runRecordingJob(deps, seeded.recordingId)).toBe('waiting');
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await runRecordingJob(deps, seeded.recordingId)).toBe('failed');
    const [row] = await database.db.select().from(recordings).where(eq(recordings.id, seeded.recordingId));
    expect(row).toMatchObject({ stage: 'failed', attempts: 2, lastError: expect.stringMatching(/no audio or video/) });
    expect(row!.lastError).toContain(dataDir);
    const seen = recordingView(row!);
    expect(seen).toMatchObject({ status: 'failed', problem: 'The call’s media could not be made into a recording.' });
    expect(JSON.stringify(seen)).not.toContain(dataDir);
    expect((await readdir(seeded.rawDir)).length).toBeGreaterThan(0);
    keptForOperator.push(path.relative(dataDir, seeded.rawDir));
  }, 60_000);

  it('keeps the raw media of a recording given up on only for the operator window', async () => {
    const seeded = await seedEndedRecordedCall(database.db, dataDir, tenant, rawTemplate);
    for (const name of await readdir(seeded.rawDir)) await writeFile(path.join(seeded.rawDir, name), 'MJR00002');
    const deps = pipelineDeps(database.db, dataDir, stores, { maxComposeAttempts: 1 });
    expect(await runRecordingJob(deps, seeded.recordingId)).toBe('failed');
    const sweep = { db: database.db, dataDir, logger: pino({ level: 'silent' }) };
    const hour = 3_600_000;
    expect(await removeFailedRawMedia(sweep, 72 * hour)).toBe(0);
    expect((await readdir(seeded.rawDir)).length).toBeGreaterThan(0);
    // Three days later the plaintext goes, and the recording says why it is gone.
    expect(await removeFailedRawMedia(sweep, 72 * hour, new Date(Date.now() + 73 * hour))).toBeGreaterThanOrEqual(1);
    await expect(stat(seeded.rawDir)).rejects.toMatchObject({ code: 'ENOENT' });
    const [row] = await database.db.select().from(recordings).where(eq(recordings.id, seeded.recordingId));
    expect(row).toMatchObject({ stage: 'deleted', deletionReason: 'failed' });
    const [event] = await database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectId, seeded.recordingId), eq(auditEvents.action, 'recording.raw_removed')));
    expect(event?.details).toMatchObject({ reason: 'failed', callId: seeded.callId });
    keptForOperator.length = 0;
  }, 60_000);

  it('keeps the raw media of a failed recording past the operator window while a legal hold covers it', async () => {
    const seeded = await seedEndedRecordedCall(database.db, dataDir, tenant, rawTemplate);
    for (const name of await readdir(seeded.rawDir)) await writeFile(path.join(seeded.rawDir, name), 'MJR00002');
    expect(await runRecordingJob(pipelineDeps(database.db, dataDir, stores, { maxComposeAttempts: 1 }), seeded.recordingId)).toBe('failed');
    const [hold] = await database.db
      .insert(legalHolds)
      .values({ tenantId: tenant.tenantId, targetType: 'customer', targetId: seeded.customerId, reference: 'LIT-2026-7' })
      .returning();
    const sweep = { db: database.db, dataDir, logger: pino({ level: 'silent' }) };
    const later = new Date(Date.now() + 73 * 3_600_000);
    await removeFailedRawMedia(sweep, 72 * 3_600_000, later);
    // Held: the only copy of the recording stays, as the row that says what it is.
    expect((await readdir(seeded.rawDir)).length).toBeGreaterThan(0);
    const [held] = await database.db.select().from(recordings).where(eq(recordings.id, seeded.recordingId));
    expect(held).toMatchObject({ stage: 'failed', deletedAt: null });

    await database.db.update(legalHolds).set({ releasedAt: new Date() }).where(eq(legalHolds.id, hold!.id));
    expect(await removeFailedRawMedia(sweep, 72 * 3_600_000, later)).toBe(1);
    await expect(stat(seeded.rawDir)).rejects.toMatchObject({ code: 'ENOENT' });
    const [released] = await database.db.select().from(recordings).where(eq(recordings.id, seeded.recordingId));
    expect(released).toMatchObject({ stage: 'deleted', deletionReason: 'failed' });
  }, 60_000);

  it('removes raw media no recording job owns once its call is over, never that of a running call', async () => {
    const sweep = { db: database.db, dataDir, logger: pino({ level: 'silent' }) };
    // The media server recorded, then the transaction that would have written the job failed.
    const ended = await seedEndedRecordedCall(database.db, dataDir, tenant, rawTemplate);
    await database.db.delete(recordings).where(eq(recordings.id, ended.recordingId));
    const running = await seedEndedRecordedCall(database.db, dataDir, tenant, rawTemplate, { running: true });
    await database.db.delete(recordings).where(eq(recordings.id, running.recordingId));
    const owned = await seedEndedRecordedCall(database.db, dataDir, tenant, rawTemplate);
    const unknownCall = path.join(dataDir, 'recordings', 'raw', '00000000-0000-4000-8000-000000000000');
    await mkdir(unknownCall, { recursive: true });
    await writeFile(path.join(unknownCall, 'audio.mjr'), 'MJR00002');

    expect(await sweepOrphanedRawMedia(sweep)).toBe(2);
    await expect(stat(ended.rawDir)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(stat(unknownCall)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await readdir(running.rawDir)).length).toBeGreaterThan(0);
    expect((await readdir(owned.rawDir)).length).toBeGreaterThan(0);
    // Once the running call ends, its folder goes too; the owned one waits for its job.
    await database.db.update(calls).set({ state: 'ended', endedAt: new Date() }).where(eq(calls.id, running.callId));
    expect(await sweepOrphanedRawMedia(sweep)).toBe(1);
    await expect(stat(running.rawDir)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await runRecordingJob(pipelineDeps(database.db, dataDir, stores), owned.recordingId)).toBe('done');
  }, 120_000);

  it('finds due recordings from the database and sweeps plaintext a killed worker left', async () => {
    const seeded = await seedEndedRecordedCall(database.db, dataDir, tenant, rawTemplate);
    // A worker that died mid-compose: its lease names a process that no longer exists.
    const work = path.join(dataDir, 'recordings', 'work', seeded.recordingId);
    await mkdir(work, { recursive: true });
    await writeFile(path.join(work, 'composed.webm'), Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 1, 2, 3]));
    await database.db
      .update(recordings)
      .set({ stage: 'muxing', leaseOwner: `${hostname()}:999999:dead`, leaseExpiresAt: new Date(Date.now() + 3_600_000) })
      .where(eq(recordings.id, seeded.recordingId));

    const worker = createRecordingWorker(pipelineDeps(database.db, dataDir, stores), { pollIntervalMs: 60_000 });
    await sweepAbandonedPlaintext({ db: database.db, dataDir, logger: pino({ level: 'silent' }) });
    expect(await plaintextMediaUnder(work)).toEqual([]);
    const outcomes = await worker.drain();
    expect(outcomes.get(seeded.recordingId)).toBe('done');
    const left = await plaintextMediaUnder(dataDir);
    expect(left.filter((file) => !keptForOperator.some((dir) => file.startsWith(dir)))).toEqual([]);
  }, 60_000);
});

describe('two workers on one PostgreSQL', () => {
  it('process a recording exactly once', async () => {
    const database = await freshDatabase('postgres');
    const dataDir = await mkdtemp(path.join(tmpdir(), 'parley-pipeline-race-'));
    try {
      const stores = localStores(dataDir);
      const tenant = await seedTenant(database.db, 'race');
      const seeded = await seedEndedRecordedCall(database.db, dataDir, tenant, rawTemplate);
      const outcomes = await Promise.all([
        runRecordingJob(pipelineDeps(database.db, dataDir, stores), seeded.recordingId),
        runRecordingJob(pipelineDeps(database.db, dataDir, stores), seeded.recordingId),
      ]);
      expect(outcomes.sort()).toEqual(['done', 'skipped']);
      const stored = await database.db.select().from(auditEvents).where(and(eq(auditEvents.subjectId, seeded.recordingId), eq(auditEvents.action, 'recording.stored')));
      expect(stored).toHaveLength(1);
    } finally {
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('recordings on S3-compatible storage', () => {
  let database: Database;
  let dataDir: string;
  let s3: FakeS3;
  let stores: ReturnType<typeof localStores>;
  let tenant: { tenantId: string; agentId: string };

  beforeAll(async () => {
    database = await freshDatabase('postgres');
    dataDir = await mkdtemp(path.join(tmpdir(), 'parley-pipeline-s3-'));
    s3 = await startFakeS3({ region: 'eu-central-1' });
    const location = (name: string, region: string) => ({
      name, kind: 's3' as const, region, bucket: 'parley-recordings', prefix: 'prod/', endpoint: s3.url, forcePathStyle: true, ...s3.credentials,
    });
    stores = localStores(dataDir, [location('eu-s3', 'eu-central-1'), location('us-s3', 'us-east-1')]);
    tenant = await seedTenant(database.db, 's3');
  });

  afterAll(async () => {
    await database.close();
    await s3.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const storedIn = async (location: string) => {
    await database.db.update(meetingTypes).set({ storageLocation: location }).where(and(eq(meetingTypes.tenantId, tenant.tenantId), eq(meetingTypes.key, 'advice')));
    return seedEndedRecordedCall(database.db, dataDir, tenant, rawTemplate);
  };

  it('stores the ciphertext in the bucket and reads any range back through the key hierarchy', async () => {
    const seeded = await storedIn('eu-s3');
    expect(await runRecordingJob(pipelineDeps(database.db, dataDir, stores), seeded.recordingId)).toBe('done');
    const [row] = await database.db.select().from(recordings).where(eq(recordings.id, seeded.recordingId));
    const object = s3.controls.objects('parley-recordings').get(`prod/${row!.objectKey}`);
    expect(object?.size).toBe(row!.sizeBytes);
    expect(await plaintextMediaUnder(dataDir)).toEqual([]);

    const reader = await stores.stores.get('eu-s3')!.open(row!.objectKey!);
    try {
      const media = await openEncryptedFile(reader, () => recordingKeyFor({ db: database.db, masterKeys: stores.masterKeys }, row!));
      const whole = await media.read(0, media.plaintextLength - 1);
      expect(createHash('sha256').update(whole).digest('hex')).toBe(row!.mediaSha256);
      const from = Math.floor(media.plaintextLength / 3);
      expect((await media.read(from, from + 70_000)).equals(whole.subarray(from, from + 70_001))).toBe(true);
    } finally {
      await reader.close();
    }
  }, 60_000);

  it('refuses a location outside the tenant\u2019s regions and stores nothing there', async () => {
    const seeded = await storedIn('us-s3');
    const deps = pipelineDeps(database.db, dataDir, stores);
    expect(await runRecordingJob(deps, seeded.recordingId)).toBe('waiting');
    const [row] = await database.db.select().from(recordings).where(eq(recordings.id, seeded.recordingId));
    expect(row!.lastError).toContain('"us-s3" is in region us-east-1, which this tenant does not allow');
    expect([...s3.controls.objects('parley-recordings').keys()].some((key) => key.includes(seeded.recordingId))).toBe(false);
  }, 60_000);

  it('waits while the bucket is unavailable and completes when it is back', async () => {
    const seeded = await storedIn('eu-s3');
    const deps = pipelineDeps(database.db, dataDir, stores);
    s3.controls.setFull(true);
    try {
      expect(await runRecordingJob(deps, seeded.recordingId)).toBe('waiting');
    } finally {
      s3.controls.setFull(false);
    }
    expect(s3.controls.uploadsInProgress()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await runRecordingJob(deps, seeded.recordingId)).toBe('done');
  }, 60_000);
});

describe('storage locations checked at start', () => {
  it('names meeting types whose location is missing or outside the tenant\u2019s regions', async () => {
    const database = await freshDatabase('pglite');
    try {
      const tenant = await seedTenant(database.db, 'locations');
      const stores = new Map<string, BlobStore>([
        ['local', { location: 'local', region: 'eu' } as BlobStore],
        ['us-s3', { location: 'us-s3', region: 'us-east-1' } as BlobStore],
      ]);
      expect(await findLocationProblems(database.db, stores)).toEqual([]);
      const type = (key: string) => and(eq(meetingTypes.tenantId, tenant.tenantId), eq(meetingTypes.key, key));
      await database.db.update(meetingTypes).set({ storageLocation: 'us-s3' }).where(type('advice'));
      await database.db.update(meetingTypes).set({ storageLocation: 'gone' }).where(type('consultation'));
      // A type that never records may name anything: nothing is ever written there.
      await database.db.update(meetingTypes).set({ storageLocation: 'gone' }).where(type('support'));
      const problems = await findLocationProblems(database.db, stores);
      expect(problems.map((p) => [p.location, p.problem]).sort()).toEqual([
        ['gone', 'unknown_location'],
        ['us-s3', 'region_not_allowed'],
      ]);
    } finally {
      await database.close();
    }
  });
});
