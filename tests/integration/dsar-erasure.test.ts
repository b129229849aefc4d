import { cp, readFile } from 'node:fs/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq, inArray } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEncryptedFile } from '../../media/encryption/format.js';
import type { LocalJanus } from '../../media/janus/local-node.js';
import { ZendeskApi } from '../../backend/src/adapters/zendesk/api.js';
import { startFakeZendesk, type FakeZendesk } from '../../backend/src/adapters/zendesk/fake-server.js';
import { ZendeskNoteRedaction } from '../../backend/src/adapters/zendesk/note-redaction.js';
import { ZendeskTicketCommentDeliverer } from '../../backend/src/adapters/zendesk/ticket-comments.js';
import type { Database } from '../../backend/src/db/client.js';
import {
  auditEvents, calls, cases, consentRequests, customerRefs, customers, dsarExports, dsarRequests, legalHolds, meetingTypes, noticeVersions, recordings, subjectKeys,
} from '../../backend/src/db/schema/index.js';
import { BlobStoreUnavailableError, type BlobStore } from '../../backend/src/ports/blob-store.js';
import { openSealed } from '../../backend/src/services/audit/seal.js';
import { verifyAuditChain } from '../../backend/src/services/audit/verify.js';
import { notes } from '../../backend/src/services/consent/notes.js';
import { loadInventory } from '../../backend/src/services/dsar/erase/inventory.js';
import { collectSubjectData } from '../../backend/src/services/dsar/export/collect.js';
import { destroyRecordingKeys, destroySubjectKey } from '../../backend/src/services/dsar/erase/shred.js';
import { createDsarWorker } from '../../backend/src/services/dsar/worker.js';
import { noteOnTicket } from '../../backend/src/services/outbox/ticket-note.js';
import { createOutboxWorker } from '../../backend/src/services/outbox/worker.js';
import { beginRecording } from '../../backend/src/services/recordings/begin.js';
import { newLeaseOwner } from '../../backend/src/services/recordings/claim.js';
import { unwrapRecordingKey } from '../../backend/src/services/recordings/keys.js';
import { runRecordingJob } from '../../backend/src/services/recordings/pipeline.js';
import { createRecordingWorker } from '../../backend/src/services/recordings/worker.js';
import { deleteDueRecordings } from '../../backend/src/services/recordings/delete-due.js';
import { deleteDueCallData } from '../../backend/src/services/retention/delete-due-call-data.js';
import { databaseKinds, freshDatabase } from '../support/databases.js';
import { captureRawCall, composingOnce, pipelineDeps } from '../support/recording-fixtures.js';
import { buildTestApp, PUBLIC_BASE_URL, startTestJanus, type TestApp } from '../support/test-app.js';

const DAY = 86_400_000;
const zendeskAuth = { oauthToken: 'fake-zendesk-token-for-erasure-tests' };
const silent = pino({ level: 'silent' });

describe.each(databaseKinds)('erasure of a data subject on %s', (kind) => {
  let database: Database;
  let janus: LocalJanus;
  let baseDir: string;
  let rawTemplate: string;
  let t: TestApp;
  let zendesk: FakeZendesk;
  let tenantId: string;
  let agentId: string;
  let dpo: string;
  let admin: string;
  let nextTicket = 7000;

  const zendeskAccess = () => ({ auth: zendeskAuth, timeoutMs: 5_000, baseUrlFor: () => zendesk.url });
  const worker = (overrides: { now?: () => Date; stores?: ReadonlyMap<string, BlobStore> } = {}) =>
    createDsarWorker(
      {
        db: database.db,
        logger: silent,
        masterKeys: t.recordings.masterKeys,
        stores: overrides.stores ?? t.recordings.stores,
        publicBaseUrl: PUBLIC_BASE_URL,
        dataDir: t.dataDir,
        ticketNotes: new ZendeskNoteRedaction(zendeskAccess()),
        lease: { owner: newLeaseOwner(), ms: 30_000 },
        retry: { baseDelayMs: 100, maxDelayMs: 400 },
        now: overrides.now,
      },
      { pollIntervalMs: 60_000 },
    );
  const deliverNotes = () =>
    createOutboxWorker({ db: database.db, logger: silent, deliverers: { 'zendesk.ticket_comment': new ZendeskTicketCommentDeliverer(zendeskAccess()) }, batchSize: 100 }).runOnce();

  /** A customer as an escalation leaves them: name, email, their Zendesk requester id. */
  async function seedCustomer(name: string) {
    const email = `${name.toLowerCase()}@example.org`;
    const [customer] = await database.db.insert(customers).values({ tenantId, displayName: `${name} Customer`, email, locale: 'de-DE' }).returning();
    await database.db.insert(customerRefs).values({ tenantId, customerId: customer!.id, host: 'zendesk', externalId: String(nextTicket++) });
    return { id: customer!.id, email };
  }

  /**
   * A finished call on its own ticket, with Parley's notes delivered to the fake Zendesk and its
   * recording through the real pipeline (composed, encrypted, stored), plus one comment that the
   * customer wrote themselves.
   */
  async function seedRecordedCall(customerId: string, type: 'advice' | 'consultation') {
    const ticketId = String(nextTicket++);
    zendesk.addTicket(ticketId);
    const [meetingType] = await database.db.select().from(meetingTypes).where(and(eq(meetingTypes.tenantId, tenantId), eq(meetingTypes.key, type)));
    const [kase] = await database.db.insert(cases).values({ tenantId, host: 'zendesk', externalId: ticketId, customerId }).returning();
    const [call] = await database.db
      .insert(calls)
      .values({
        tenantId, caseId: kase!.id, customerId, agentId, meetingTypeId: meetingType!.id, state: 'ended',
        mediaNodeId: 'janus-1', mediaRoomId: 4242, mediaRoomPin: '0000', mediaRoomSecret: 'secret', endedAt: new Date(),
      })
      .returning();
    await database.db.transaction((tx) => beginRecording({ dataDir: t.dataDir, recordingMinFreeBytes: 0 }, tx, call!, meetingType!));
    const [recording] = await database.db.select().from(recordings).where(eq(recordings.callId, call!.id));
    await cp(rawTemplate, recording!.rawDir, { recursive: true });
    // The consent offer went into a messaging conversation of theirs.
    const [notice] = await database.db.select({ id: noticeVersions.id }).from(noticeVersions).where(eq(noticeVersions.meetingTypeId, meetingType!.id)).limit(1);
    await database.db.insert(consentRequests).values({
      tenantId, callId: call!.id, customerId, tokenHash: `hash-${call!.id}`, channel: 'zendesk_messaging', noticeVersionId: notice!.id,
      language: 'de', conversationId: `conversation-${ticketId}`, expiresAt: new Date(), decidedAt: new Date(),
    });
    await noteOnTicket(database.db, call!, notes.decided({ join: true, recording: 'granted', version: 3, language: 'de' }), `call:${call!.id}:decided`);
    expect(await runRecordingJob(pipelineDeps(database.db, t.dataDir, t.recordings, { composer: composingOnce }), recording!.id)).toBe('done');
    await new ZendeskApi({ auth: zendeskAuth, timeoutMs: 5_000 }).addComment(zendesk.url, ticketId, { body: 'Hi, this is me again, please call me back on +49 170 000000.', public: true });
    await deliverNotes();
    const [stored] = await database.db.select().from(recordings).where(eq(recordings.id, recording!.id));
    return { recording: stored!, caseId: kase!.id, callId: call!.id, ticketId, blob: join(t.dataDir, 'store', stored!.objectKey!) };
  }

  /** Whether the blob, as it was stored (or a copy of it), still decrypts with any key Parley can produce now. */
  async function decrypts(copy: Buffer, recording: typeof recordings.$inferSelect): Promise<boolean> {
    const [subject] = await database.db.select().from(subjectKeys).where(eq(subjectKeys.customerId, recording.customerId));
    if (!subject) return false;
    const reader = { read: async (b: Buffer, o: number, l: number, p: number) => ({ bytesRead: copy.copy(b, o, p, p + l) }), stat: async () => ({ size: copy.length }) };
    try {
      await openEncryptedFile(reader, () => unwrapRecordingKey(t.recordings.masterKeys, recording, subject));
      return true;
    } catch {
      return false;
    }
  }

  const requestErasure = async (email: string) => {
    const res = await t.call('POST', '/api/dsar', { token: dpo, body: { kind: 'erasure', subject: { email }, verification: 'replied from the email address on file' } });
    expect(res.status).toBe(201);
    return res.body.request.id as string;
  };
  const view = async (id: string) => (await t.call('GET', `/api/dsar/${id}`, { token: dpo })).body.request;
  const rowOf = async (id: string) => (await database.db.select().from(recordings).where(eq(recordings.id, id)))[0]!;
  const customerOf = async (id: string) => (await database.db.select().from(customers).where(eq(customers.id, id)))[0]!;
  const actionsFor = async (subjectId: string) =>
    (await database.db.select().from(auditEvents).where(eq(auditEvents.subjectId, subjectId)).orderBy(auditEvents.seq)).map((e) => e.action);
  const fileExists = (path: string) => readFile(path).then(() => true, () => false);
  const parleyNotes = (ticketId: string) => zendesk.comments(ticketId).filter((c) => /Ref: P-[0-9a-f]{10}/.test(c.body ?? ''));

  beforeAll(async () => {
    baseDir = mkdtempSync(join(tmpdir(), 'parley-dsar-erasure-'));
    [database, janus, rawTemplate, zendesk] = await Promise.all([
      freshDatabase(kind),
      startTestJanus(baseDir),
      captureRawCall(2),
      startFakeZendesk({ credentials: zendeskAuth }),
    ]);
    t = await buildTestApp(database, janus);
    ({ tenantId, agentId } = await t.signInAgent('acme'));
    dpo = await t.signIn('acme', 'dpo-1', 'dpo');
    admin = await t.signIn('acme', 'admin-1', 'admin');
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await janus?.stop();
    await zendesk?.close();
    await database?.close();
    rmSync(baseDir, { recursive: true, force: true });
    if (rawTemplate) rmSync(rawTemplate, { recursive: true, force: true });
  });

  it('erases everything: keys, blobs, identity, host ids and Parley’s notes, and leaves another customer untouched', async () => {
    const chris = await seedCustomer('Chris');
    const first = await seedRecordedCall(chris.id, 'consultation');
    const second = await seedRecordedCall(chris.id, 'consultation');
    const olga = await seedCustomer('Olga');
    const hers = await seedRecordedCall(olga.id, 'consultation');
    const copies = await Promise.all([first, second, hers].map((s) => readFile(s.blob)));
    // Before: everything decrypts and plays, so what follows can fail.
    expect(await decrypts(copies[0]!, first.recording)).toBe(true);
    const playing = await t.call('POST', `/api/recordings/${first.recording.id}/playback`, { token: admin });
    expect(playing.status).toBe(201);
    const streamPath = new URL(playing.body.streamUrl).pathname;
    expect((await t.app.request(streamPath, { headers: { range: 'bytes=0-99' } })).status).toBe(206);
    expect(parleyNotes(first.ticketId).length).toBeGreaterThanOrEqual(2);

    const id = await requestErasure(chris.email);
    expect((await worker().drain()).get(id)).toBe('completed');

    const answer = await view(id);
    expect(answer).toMatchObject({ state: 'completed', progress: { done: answer.progress.total } });
    expect(answer.outcome.erased).toMatchObject({ keys: 'subject_key', recordings: 2, blobsRemoved: 2, casesUnlinked: 2, identity: true, sealedAuditData: true });
    expect(answer.outcome.erased.ticketNotesRedacted).toBe(parleyNotes(first.ticketId).length + parleyNotes(second.ticketId).length);
    expect(answer.outcome.refused).toEqual([]);
    expect(answer.outcome.notDone).toEqual([expect.objectContaining({ what: 'zendesk_comments_by_others', count: 2 })]);

    // Nothing of theirs decrypts, from the store or from a copy taken before; playback is gone.
    expect(await database.db.select().from(subjectKeys).where(eq(subjectKeys.customerId, chris.id))).toEqual([]);
    for (const [n, s] of [first, second].entries()) {
      expect(await rowOf(s.recording.id)).toMatchObject({ stage: 'deleted', wrappedKey: null, deletionReason: 'erasure' });
      expect((await rowOf(s.recording.id)).blobDeletedAt).not.toBeNull();
      expect(await fileExists(s.blob)).toBe(false);
      expect(await decrypts(copies[n]!, s.recording)).toBe(false);
    }
    const playback = await t.call('POST', `/api/recordings/${first.recording.id}/playback`, { token: admin });
    expect(playback.status).toBe(410);
    expect(playback.body.error.code).toBe('RECORDING_DELETED');
    expect((await t.call('GET', `/api/recordings/${first.recording.id}`, { token: admin })).body.recording).toMatchObject({ status: 'deleted', deletionReason: 'erasure' });
    // A player opened before the erasure is told at its next range request, with the reason.
    for (const path of [streamPath, `${streamPath}/about`]) {
      const stopped = await t.app.request(path, { headers: { range: 'bytes=100-199' } });
      expect(stopped.status).toBe(410);
      expect(await stopped.json()).toMatchObject({ error: { code: 'RECORDING_DELETED', message: expect.stringMatching(/erase/i) } });
    }

    // The person is no longer named anywhere Parley keeps.
    expect(await customerOf(chris.id)).toMatchObject({ displayName: null, email: null, locale: null });
    expect((await customerOf(chris.id)).erasedAt).not.toBeNull();
    expect(await database.db.select().from(customerRefs).where(eq(customerRefs.customerId, chris.id))).toEqual([]);
    const theirCases = await database.db.select().from(cases).where(eq(cases.customerId, chris.id));
    expect(theirCases.map((c) => c.externalId)).toEqual(theirCases.map((c) => `erased:${c.id}`));
    const chatsOf = async (customerId: string) => (await database.db.select().from(consentRequests).where(eq(consentRequests.customerId, customerId))).map((r) => r.conversationId);
    expect(await chatsOf(chris.id)).toEqual([null, null]);
    expect(await chatsOf(olga.id)).toEqual([`conversation-${hers.ticketId}`]);
    const [received] = await database.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'dsar.received'), eq(auditEvents.subjectId, id)));
    expect(await openSealed(database.db, t.recordings.masterKeys, tenantId, { dataSubjectId: received!.dataSubjectId!, sealed: received!.sealed! })).toEqual({ state: 'erased' });

    // Zendesk: Parley's notes are redacted (their reference line stays), the customer's own words are not Parley's to change.
    for (const s of [first, second]) {
      const comments = zendesk.comments(s.ticketId);
      const ours = parleyNotes(s.ticketId);
      expect(ours.length).toBeGreaterThanOrEqual(2);
      for (const note of ours) {
        expect(note.body).not.toMatch(/Parley|customer|recording|http/);
        expect(note.body).toMatch(/▇{5,}/u);
        expect(note.html_body).not.toMatch(/Parley/);
      }
      expect(comments.filter((c) => c.body?.includes('please call me back'))).toHaveLength(1);
    }
    const redactions = zendesk.requests().filter((r) => r.path.startsWith('/api/v2/comment_redactions/'));
    expect(redactions.every((r) => r.status === 200)).toBe(true);

    // The trail still verifies, and records every step once.
    expect(await verifyAuditChain(database.db, { tenantId })).toMatchObject({ ok: true });
    expect(await actionsFor(id)).toEqual(['dsar.received', 'dsar.started', 'dsar.completed']);
    expect(await actionsFor(chris.id)).toEqual(['subject_key.destroyed', 'customer.erased']);
    expect(await actionsFor(first.recording.id)).toEqual(expect.arrayContaining(['recording.key_destroyed', 'recording.blob_deleted']));
    const everything = JSON.stringify(await database.db.select().from(auditEvents).where(eq(auditEvents.tenantId, tenantId)));
    expect(everything).not.toContain(chris.email);

    // Olga: untouched.
    expect(await rowOf(hers.recording.id)).toMatchObject({ stage: 'done' });
    expect(await decrypts(copies[2]!, await rowOf(hers.recording.id))).toBe(true);
    expect(await customerOf(olga.id)).toMatchObject({ displayName: 'Olga Customer', email: olga.email, erasedAt: null });
    expect(parleyNotes(hers.ticketId).every((c) => c.body?.includes('Parley:'))).toBe(true);
    expect((await t.call('POST', `/api/recordings/${hers.recording.id}/playback`, { token: admin })).status).toBe(201);

    // The recording worker leaves erased recordings alone.
    await createRecordingWorker(pipelineDeps(database.db, t.dataDir, t.recordings, { composer: composingOnce }), { pollIntervalMs: 60_000 }).drain();
    expect((await rowOf(first.recording.id)).stage).toBe('deleted');

    // Asked again, the subject is no longer found: the answer is "no data held".
    const again = await requestErasure(chris.email);
    expect((await view(again)).subjectKnown).toBe(false);
  }, 120_000);

  it('erases only what is theirs on a ticket another customer’s call is on too, which stays linked for them', async () => {
    const sam = await seedCustomer('Sam');
    const samCall = await seedRecordedCall(sam.id, 'consultation');
    // The ticket's requester changed: Kim's call took place on Sam's ticket, with her own offer, link and note.
    const kim = await seedCustomer('Kim');
    const [meetingType] = await database.db.select().from(meetingTypes).where(and(eq(meetingTypes.tenantId, tenantId), eq(meetingTypes.key, 'support')));
    const [kimCall] = await database.db
      .insert(calls)
      .values({
        tenantId, caseId: samCall.caseId, customerId: kim.id, agentId, meetingTypeId: meetingType!.id, state: 'ended',
        mediaNodeId: 'janus-1', mediaRoomId: 4343, mediaRoomPin: '0000', mediaRoomSecret: 'secret', endedAt: new Date(),
      })
      .returning();
    const [notice] = await database.db.select({ id: noticeVersions.id }).from(noticeVersions).where(eq(noticeVersions.meetingTypeId, meetingType!.id)).limit(1);
    await database.db.insert(consentRequests).values({
      tenantId, callId: kimCall!.id, customerId: kim.id, tokenHash: `hash-${kimCall!.id}`, channel: 'zendesk_messaging', noticeVersionId: notice!.id,
      language: 'de', conversationId: 'conversation-kim', expiresAt: new Date(), decidedAt: new Date(),
    });
    await noteOnTicket(database.db, kimCall!, notes.decided({ join: false, recording: 'not_recorded', version: 1, language: 'de' }), `call:${kimCall!.id}:decided`);
    await deliverNotes();
    const kimNote = parleyNotes(samCall.ticketId).find((c) => c.body?.includes('declined'))!;
    expect(kimNote).toBeDefined();

    // Kim sees the ticket her call was on in her own export, though it is Sam's case.
    const kimData = await collectSubjectData(database.db, tenantId, kim.id);
    expect(kimData!.cases.map((c) => c.id)).toEqual([samCall.caseId]);

    const id = await requestErasure(sam.email);
    expect((await worker().drain()).get(id)).toBe('completed');
    const answer = await view(id);
    expect(answer.outcome.erased).toMatchObject({ recordings: 1, casesUnlinked: 0 });
    expect(answer.outcome.notDone).toEqual(expect.arrayContaining([expect.objectContaining({ what: 'shared_cases', count: 1 })]));

    // Sam's notes are redacted, Kim's note stays as written; the ticket stays linked for Kim.
    for (const note of parleyNotes(samCall.ticketId).filter((c) => c.id !== kimNote.id)) expect(note.body).toMatch(/▇{5,}/u);
    expect(parleyNotes(samCall.ticketId).find((c) => c.id === kimNote.id)!.body).toBe(kimNote.body);
    const [kase] = await database.db.select().from(cases).where(eq(cases.id, samCall.caseId));
    expect(kase!.externalId).toBe(samCall.ticketId);
    const conversations = await database.db.select({ callId: consentRequests.callId, conversationId: consentRequests.conversationId }).from(consentRequests).where(inArray(consentRequests.callId, [samCall.callId, kimCall!.id]));
    expect(Object.fromEntries(conversations.map((c) => [c.callId, c.conversationId]))).toEqual({ [samCall.callId]: null, [kimCall!.id]: 'conversation-kim' });
    expect(await customerOf(kim.id)).toMatchObject({ displayName: 'Kim Customer', erasedAt: null });
    expect(await customerOf(sam.id)).toMatchObject({ displayName: null, email: null });
  }, 120_000);

  it('redacts Parley’s notes about calls retention has deleted since, on a ticket that is theirs alone', async () => {
    const pat = await seedCustomer('Pat');
    const old = await seedRecordedCall(pat.id, 'consultation');
    // Years later a second call on the same ticket; the first one's retention has run out.
    const [recent] = await database.db
      .insert(calls)
      .values({
        tenantId, caseId: old.caseId, customerId: pat.id, agentId, meetingTypeId: (await database.db.select().from(calls).where(eq(calls.id, old.callId)))[0]!.meetingTypeId,
        state: 'ended', mediaNodeId: 'janus-1', mediaRoomId: 4444, mediaRoomPin: '0000', mediaRoomSecret: 'secret', endedAt: new Date(),
      })
      .returning();
    const longAgo = new Date(Date.now() - 10 * 365 * 86_400_000);
    await database.db.update(calls).set({ createdAt: longAgo, endedAt: longAgo }).where(eq(calls.id, old.callId));
    await database.db.update(recordings).set({ storedAt: longAgo }).where(eq(recordings.id, old.recording.id));
    await deleteDueRecordings({ db: database.db, stores: t.recordings.stores, logger: silent });
    await deleteDueCallData({ db: database.db, logger: silent });
    expect(await database.db.select().from(calls).where(eq(calls.id, old.callId))).toEqual([]);
    const notesOfOldCall = parleyNotes(old.ticketId);
    expect(notesOfOldCall.length).toBeGreaterThanOrEqual(2);
    expect(notesOfOldCall.every((note) => !/▇/u.test(note.body ?? ''))).toBe(true);

    const id = await requestErasure(pat.email);
    expect((await worker().drain()).get(id)).toBe('completed');
    for (const note of parleyNotes(old.ticketId)) expect(note.body).toMatch(/▇{5,}/u);
    // The customer's own comment is theirs and the account's, not Parley's to change.
    expect(zendesk.comments(old.ticketId).filter((c) => c.body?.includes('please call me back'))).toHaveLength(1);
    const answer = await view(id);
    expect(answer.outcome.erased.ticketNotesRedacted).toBe(notesOfOldCall.length);
    expect(recent).toBeDefined();
  }, 120_000);

  it('deletes an export bundle made for an earlier access request, so its link stops working', async () => {
    const dana = await seedCustomer('Dana');
    await seedRecordedCall(dana.id, 'consultation');
    const access = await t.call('POST', '/api/dsar', { token: dpo, body: { kind: 'access', subject: { email: dana.email }, verification: 'replied from the email address on file' } });
    expect(access.status).toBe(201);
    const accessId = access.body.request.id as string;
    expect((await worker().drain()).get(accessId)).toBe('completed');
    const link = await t.call('POST', `/api/dsar/${accessId}/export/link`, { token: dpo });
    expect(link.status).toBe(201);
    const download = new URL(link.body.downloadUrl as string).pathname;
    const [bundle] = await database.db.select().from(dsarExports).where(eq(dsarExports.requestId, accessId));
    const store = t.recordings.stores.get(bundle!.storageLocation)!;
    // Before: the bundle is there and downloads, so what follows can fail.
    expect(await store.head(bundle!.objectKey)).toBeTruthy();
    expect((await t.app.request(download)).status).toBe(200);

    const id = await requestErasure(dana.email);
    expect((await worker().drain()).get(id)).toBe('completed');
    expect((await view(id)).outcome.erased.exportBundlesRemoved).toBe(1);
    expect(await database.db.select().from(dsarExports).where(eq(dsarExports.requestId, accessId))).toEqual([]);
    expect(await store.head(bundle!.objectKey)).toBeFalsy();
    expect((await t.app.request(download)).status).toBe(404);
    expect((await t.call('POST', `/api/dsar/${accessId}/export/link`, { token: dpo })).status).not.toBe(201);
    const deleted = await database.db.select().from(auditEvents).where(and(eq(auditEvents.subjectId, accessId), eq(auditEvents.action, 'dsar.export_deleted')));
    expect(deleted).toHaveLength(1);
  });

  it('refuses to erase recordings kept by a legal duty, says until when, and erases them on that date', async () => {
    const lena = await seedCustomer('Lena');
    const advice = await seedRecordedCall(lena.id, 'advice');
    const consultation = await seedRecordedCall(lena.id, 'consultation');
    const adviceCopy = await readFile(advice.blob);
    const keptUntil = new Date(advice.recording.storedAt!.getTime() + 5 * 365 * DAY);

    const id = await requestErasure(lena.email);
    expect((await worker().drain()).get(id)).toBe('partially_refused');
    const answer = await view(id);
    expect(answer.state).toBe('partially_refused');
    expect(answer.nextRunAt).toBe(keptUntil.toISOString());
    expect(answer.outcome.refused).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ what: 'recordings', ids: [advice.recording.id], reason: 'legal_obligation', law: 'Art. 17(3)(b)', until: keptUntil.toISOString() }),
        expect.objectContaining({ what: 'identity', reason: 'legal_obligation', until: keptUntil.toISOString() }),
      ]),
    );
    expect(answer.outcome.erased).toMatchObject({ keys: 'recording_keys', recordings: 1, casesUnlinked: 1, identity: false });
    // The consultation went; the advice call, its case and notes and the subject key stay.
    expect(await rowOf(consultation.recording.id)).toMatchObject({ stage: 'deleted', wrappedKey: null });
    expect(await fileExists(consultation.blob)).toBe(false);
    expect(await rowOf(advice.recording.id)).toMatchObject({ stage: 'done' });
    expect(await decrypts(adviceCopy, advice.recording)).toBe(true);
    expect(parleyNotes(advice.ticketId).every((c) => c.body?.includes('Parley:'))).toBe(true);
    expect(parleyNotes(consultation.ticketId).some((c) => c.body?.includes('Parley:'))).toBe(false);
    expect(await customerOf(lena.id)).toMatchObject({ email: lena.email, erasedAt: null });

    // A day early: not due, nothing runs.
    expect((await worker({ now: () => new Date(keptUntil.getTime() - DAY) }).drain()).size).toBe(0);
    // The day the duty ends, the request is worked again and finishes the erasure.
    const then = () => new Date(keptUntil.getTime() + 60_000);
    expect((await worker({ now: then }).drain()).get(id)).toBe('completed');
    const finished = await view(id);
    expect(finished.state).toBe('completed');
    expect(finished.outcome.erased).toMatchObject({ keys: 'subject_key', recordings: 2, identity: true });
    expect(finished.outcome.refused).toEqual([]);
    expect(await rowOf(advice.recording.id)).toMatchObject({ stage: 'deleted', deletionReason: 'erasure' });
    expect(await decrypts(adviceCopy, advice.recording)).toBe(false);
    expect(await fileExists(advice.blob)).toBe(false);
    expect(await customerOf(lena.id)).toMatchObject({ email: null, displayName: null });
    expect(parleyNotes(advice.ticketId).some((c) => c.body?.includes('Parley:'))).toBe(false);
    expect(await actionsFor(id)).toEqual(['dsar.received', 'dsar.started', 'dsar.partially_refused', 'dsar.resumed', 'dsar.completed']);
    expect(await verifyAuditChain(database.db, { tenantId })).toMatchObject({ ok: true });
  }, 120_000);

  it('deletes nothing while a legal hold is in place, and finishes once it is released', async () => {
    const hal = await seedCustomer('Hal');
    const held = await seedRecordedCall(hal.id, 'consultation');
    const [hold] = await database.db.insert(legalHolds).values({ tenantId, targetType: 'customer', targetId: hal.id, reference: 'MATTER-2291' }).returning();
    const recordingAuditBefore = await actionsFor(held.recording.id);

    const id = await requestErasure(hal.email);
    expect((await worker().drain()).get(id)).toBe('refused');
    const answer = await view(id);
    expect(answer.outcome.refused).toEqual([
      expect.objectContaining({ what: 'everything', reason: 'legal_hold', holds: [{ id: hold!.id, target: 'customer', reference: 'MATTER-2291' }] }),
    ]);
    expect(answer.outcome.erased).toMatchObject({ recordings: 0, blobsRemoved: 0, casesUnlinked: 0, ticketNotesRedacted: 0, identity: false, keys: 'none' });
    // Zero items deleted: key, recording, blob, customer, host ids, case and notes as they were.
    expect(await rowOf(held.recording.id)).toMatchObject({ stage: 'done', deletedAt: null });
    expect(await fileExists(held.blob)).toBe(true);
    expect(await database.db.select().from(subjectKeys).where(eq(subjectKeys.customerId, hal.id))).toHaveLength(1);
    expect(await customerOf(hal.id)).toMatchObject({ email: hal.email, erasedAt: null });
    expect(await database.db.select().from(customerRefs).where(eq(customerRefs.customerId, hal.id))).toHaveLength(1);
    expect((await database.db.select().from(cases).where(eq(cases.id, held.caseId)))[0]!.externalId).toBe(held.ticketId);
    expect(parleyNotes(held.ticketId).every((c) => c.body?.includes('Parley:'))).toBe(true);
    expect(await actionsFor(held.recording.id)).toEqual(recordingAuditBefore);
    expect(zendesk.requests().filter((r) => r.path.startsWith('/api/v2/comment_redactions/') && r.body && (r.body as { ticket_id: number }).ticket_id === Number(held.ticketId))).toEqual([]);

    // Looked at again while the hold lasts: still nothing deleted.
    const nextLook = new Date(answer.nextRunAt as string);
    expect((await worker({ now: () => new Date(nextLook.getTime() + 1000) }).drain()).get(id)).toBe('refused');
    expect(await rowOf(held.recording.id)).toMatchObject({ stage: 'done' });

    await database.db.update(legalHolds).set({ releasedAt: new Date() }).where(eq(legalHolds.id, hold!.id));
    const afterRelease = new Date(new Date((await view(id)).nextRunAt as string).getTime() + 1000);
    expect((await worker({ now: () => afterRelease }).drain()).get(id)).toBe('completed');
    expect(await rowOf(held.recording.id)).toMatchObject({ stage: 'deleted', deletionReason: 'erasure' });
    expect(await fileExists(held.blob)).toBe(false);
  }, 120_000);

  it('keeps a held recording while erasing the rest of the subject', async () => {
    const ria = await seedCustomer('Ria');
    const held = await seedRecordedCall(ria.id, 'consultation');
    const free = await seedRecordedCall(ria.id, 'consultation');
    await database.db.insert(legalHolds).values({ tenantId, targetType: 'recording', targetId: held.recording.id, reference: 'CASE-7' });
    const id = await requestErasure(ria.email);
    expect((await worker().drain()).get(id)).toBe('partially_refused');
    expect(await rowOf(held.recording.id)).toMatchObject({ stage: 'done' });
    expect(await fileExists(held.blob)).toBe(true);
    expect(await rowOf(free.recording.id)).toMatchObject({ stage: 'deleted' });
    expect((await view(id)).outcome.refused).toEqual(expect.arrayContaining([expect.objectContaining({ what: 'recordings', ids: [held.recording.id], reason: 'legal_hold' })]));
  }, 120_000);

  it('a hold placed after the erasure sorted the subject’s data still keeps what it covers', async () => {
    const hana = await seedCustomer('Hana');
    const late = await seedRecordedCall(hana.id, 'consultation');
    const id = await requestErasure(hana.email);
    const [request] = await database.db.select().from(dsarRequests).where(eq(dsarRequests.id, id));
    const now = new Date();
    // The erasure has taken its inventory; an admin places a hold before it destroys anything.
    const inventory = (await loadInventory(database.db, tenantId, hana.id, now))!;
    expect(inventory.erasable.map((r) => r.id)).toEqual([late.recording.id]);
    const hold = await t.call('POST', '/api/legal-holds', { token: admin, body: { targetType: 'customer', targetId: hana.id, reference: 'LATE-1' } });
    expect(hold.status).toBe(201);
    const deps = { db: database.db, logger: silent, masterKeys: t.recordings.masterKeys, stores: t.recordings.stores, publicBaseUrl: PUBLIC_BASE_URL, dataDir: t.dataDir };
    expect(await destroyRecordingKeys(deps, request!, inventory.erasable, now)).toBe(0);
    expect(await destroySubjectKey(deps, request!, hana.id, now)).toBe('kept');
    expect(await rowOf(late.recording.id)).toMatchObject({ stage: 'done' });
    expect(await decrypts(await readFile(late.blob), await rowOf(late.recording.id))).toBe(true);
  }, 120_000);

  it('resumes after a store that fails once the key is destroyed, and finishes exactly once', async () => {
    const cara = await seedCustomer('Cara');
    const s = await seedRecordedCall(cara.id, 'consultation');
    const copy = await readFile(s.blob);
    const local = t.recordings.stores.get('local')!;
    const failing: BlobStore = {
      location: local.location,
      region: local.region,
      put: (...a) => local.put(...a),
      putFile: (...a) => local.putFile(...a),
      head: (k) => local.head(k),
      open: (k) => local.open(k),
      delete: () => Promise.reject(new BlobStoreUnavailableError('storage is down')),
    };
    const id = await requestErasure(cara.email);
    expect((await worker({ stores: new Map([['local', failing]]) }).drain()).get(id)).toBe('waiting');
    const stuck = await view(id);
    expect(stuck.state).toBe('in_progress');
    expect(stuck.lastError).toMatch(/could not be removed yet/);
    // The key went first: nothing decrypts, though the blob is still there.
    expect(await decrypts(copy, s.recording)).toBe(false);
    expect(await fileExists(s.blob)).toBe(true);

    // Two instances pick it up at once after the backoff: one finishes it, the other finds it taken or done.
    const later = () => new Date(Date.now() + 60_000);
    const [a, b] = await Promise.all([worker({ now: later }).drain(), worker({ now: later }).drain()]);
    expect([a.get(id), b.get(id)].filter((o) => o === 'completed')).toHaveLength(1);
    const done = await view(id);
    expect(done.state).toBe('completed');
    expect(done.lastError).toBeNull();
    expect(done.outcome.erased).toMatchObject({ recordings: 1, identity: true });
    expect(done.outcome.erased.ticketNotesRedacted).toBeGreaterThanOrEqual(2);
    expect(await fileExists(s.blob)).toBe(false);
    expect(await actionsFor(id)).toEqual(['dsar.received', 'dsar.started', 'dsar.completed']);
    expect(await actionsFor(cara.id)).toEqual(['subject_key.destroyed', 'customer.erased']);
    expect((await actionsFor(s.recording.id)).filter((a) => a === 'recording.key_destroyed' || a === 'recording.blob_deleted')).toEqual([
      'recording.key_destroyed',
      'recording.blob_deleted',
    ]);
    expect(await actionsFor(s.caseId)).toEqual(['case.notes_redacted']);
    expect(await verifyAuditChain(database.db, { tenantId })).toMatchObject({ ok: true });
    const [row] = await database.db.select().from(dsarRequests).where(eq(dsarRequests.id, id));
    expect(row!.leaseOwner).toBeNull();
  }, 120_000);
});
