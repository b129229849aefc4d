import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Database } from '../../backend/src/db/client.js';
import { auditEvents, calls, meetingTypes, recordings, subjectKeys } from '../../backend/src/db/schema/index.js';
import { runRecordingJob } from '../../backend/src/services/recordings/pipeline.js';
import { captureRawCall, composingOnce, pipelineDeps, seedEndedRecordedCall, type SeededRecording } from '../support/recording-fixtures.js';
import { PUBLIC_BASE_URL, startTestStack, type TestApp } from '../support/test-app.js';

describe('finding and playing recordings', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  let database: Database;
  let rawTemplate: string;
  let t: TestApp;
  let agent: string;
  let stored: SeededRecording;
  let pending: SeededRecording;
  const storedTicket = '31337';

  beforeAll(async () => {
    [stack, rawTemplate] = await Promise.all([startTestStack('playback'), captureRawCall(3)]);
    ({ database, t } = stack);
    const session = await t.signInAgent('acme');
    agent = session.token;
    stored = await seedEndedRecordedCall(database.db, t.dataDir, session, rawTemplate, { ticketId: storedTicket });
    pending = await seedEndedRecordedCall(database.db, t.dataDir, session, rawTemplate);
    expect(await runRecordingJob(pipelineDeps(database.db, t.dataDir, t.recordings, { composer: composingOnce }), stored.recordingId)).toBe('done');
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
    rmSync(rawTemplate, { recursive: true, force: true });
  });

  const media = (url: string, headers: Record<string, string> = {}, method = 'GET') => t.app.request(new URL(url).pathname, { headers, method });
  const startPlayback = async (recordingId = stored.recordingId, token = agent) => t.call('POST', `/api/recordings/${recordingId}/playback`, { token });

  it("lists a customer's recordings with their status, and nothing about keys or files", async () => {
    const res = await t.call('GET', `/api/customers/${stored.customerId}/recordings`, { token: agent });
    expect(res.status).toBe(200);
    expect(res.body.recordings).toEqual([
      expect.objectContaining({ id: stored.recordingId, callId: stored.callId, status: 'available', media: 'audio+video', storageLocation: 'local' }),
    ]);
    expect(JSON.stringify(res.body)).not.toMatch(/wrapped|objectKey|rawDir|\.prly|\.mjr/i);

    const other = await t.call('GET', `/api/recordings/${pending.recordingId}`, { token: agent });
    expect(other.body.recording).toMatchObject({ status: 'processing', stage: 'pending' });
    const byCall = await t.call('GET', `/api/calls/${stored.callId}/recording`, { token: agent });
    expect(byCall.body.recording.id).toBe(stored.recordingId);

    const byTicket = await t.call('GET', `/api/cases/zendesk/${storedTicket}/recordings`, { token: agent });
    expect(byTicket.body.recordings.map((r: { id: string }) => r.id)).toEqual([stored.recordingId]);
    expect((await t.call('GET', '/api/cases/zendesk/999999/recordings', { token: agent })).body.recordings).toEqual([]);
    const stranger = await t.signIn('another-company');
    expect((await t.call('GET', `/api/cases/zendesk/${storedTicket}/recordings`, { token: stranger })).body.recordings).toEqual([]);
  });

  it("pages a customer's recordings newest first, and refuses a cursor it did not hand out", async () => {
    const session = await t.tokens.verify(agent);
    if (session.kind !== 'agent') throw new Error('expected an agent session');
    const first = await seedEndedRecordedCall(database.db, t.dataDir, session, rawTemplate);
    const second = await seedEndedRecordedCall(database.db, t.dataDir, session, rawTemplate, { customerId: first.customerId });
    const third = await seedEndedRecordedCall(database.db, t.dataDir, session, rawTemplate, { customerId: first.customerId });
    const list = (query: string) => t.call('GET', `/api/customers/${first.customerId}/recordings${query}`, { token: agent });

    const page1 = await list('?limit=2');
    expect(page1.status).toBe(200);
    expect(page1.body.recordings.map((r: { id: string }) => r.id)).toEqual([third.recordingId, second.recordingId]);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await list(`?limit=2&cursor=${encodeURIComponent(page1.body.nextCursor)}`);
    expect(page2.body).toEqual({ recordings: [expect.objectContaining({ id: first.recordingId, status: 'processing' })], nextCursor: null });
    expect((await list('')).body.recordings).toHaveLength(3);

    expect((await list('?cursor=bm90LWEtY3Vyc29y')).body.error.code).toBe('INVALID_CURSOR');
    for (const limit of ['0', '201', 'ten']) expect((await list(`?limit=${limit}`)).status).toBe(400);
  });

  it('plays through a five-minute link: whole file, any range, audited once per playback', async () => {
    const res = await startPlayback();
    expect(res.status).toBe(201);
    expect(new Date(res.body.expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(300_000);
    expect(res.body.viewerUrl).toMatch(/\/app\/recording\.html#ticket=/);

    const whole = await media(res.body.streamUrl);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('video/webm');
    expect(whole.headers.get('cache-control')).toBe('no-store');
    expect(whole.headers.get('content-disposition')).toBe('inline');
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(whole.headers.get('access-control-allow-origin')).toBeNull();
    const bytes = Buffer.from(await whole.arrayBuffer());
    const [row] = await database.db.select().from(recordings).where(eq(recordings.id, stored.recordingId));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(row!.mediaSha256);

    // A range in the middle (ranges across stored chunks: tests/unit/media-encryption-range.test.ts).
    const from = Math.floor(bytes.length / 4);
    const to = Math.floor((3 * bytes.length) / 4);
    const middle = await media(res.body.streamUrl, { range: `bytes=${from}-${to}` });
    expect(middle.status).toBe(206);
    expect(middle.headers.get('content-range')).toBe(`bytes ${from}-${to}/${bytes.length}`);
    expect(Buffer.from(await middle.arrayBuffer()).equals(bytes.subarray(from, to + 1))).toBe(true);

    const tail = await media(res.body.streamUrl, { range: 'bytes=-100' });
    expect(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(bytes.length - 100))).toBe(true);

    const beyond = await media(res.body.streamUrl, { range: `bytes=${bytes.length + 10}-` });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${bytes.length}`);

    const about = await media(`${res.body.streamUrl}/about`);
    expect(await about.json()).toMatchObject({ viewerName: 'Dana Agent', recording: { id: stored.recordingId, media: 'audio+video' } });

    // An admin makes the meeting type audio-only later: this recording still holds, shows and plays its video.
    const [{ meetingTypeId }] = (await database.db.select({ meetingTypeId: calls.meetingTypeId }).from(calls).where(eq(calls.id, stored.callId))) as [{ meetingTypeId: string }];
    await database.db.update(meetingTypes).set({ media: 'audio' }).where(eq(meetingTypes.id, meetingTypeId));
    try {
      expect((await t.call('GET', `/api/recordings/${stored.recordingId}`, { token: agent })).body.recording).toMatchObject({ media: 'audio+video' });
      expect((await media(res.body.streamUrl, { range: 'bytes=0-99' })).headers.get('content-type')).toBe('video/webm');
      expect(await (await media(`${res.body.streamUrl}/about`)).json()).toMatchObject({ recording: { media: 'audio+video' } });
    } finally {
      await database.db.update(meetingTypes).set({ media: 'audio+video' }).where(eq(meetingTypes.id, meetingTypeId));
    }

    const audits = await database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectId, stored.recordingId), eq(auditEvents.action, 'recording.playback_started')));
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actorType: 'agent', details: { ticketId: expect.any(String), customerId: stored.customerId } });
  });

  it('answers HEAD over HTTP with the headers of the whole file or the range, and no body', async () => {
    const { body } = await startPlayback();
    const ticketPath = new URL(body.streamUrl).pathname;
    const whole = await media(body.streamUrl);
    const length = Number(whole.headers.get('content-length'));
    expect(length).toBeGreaterThan(0);
    // Over Node's HTTP server, as browsers reach it: the route writes straight into the socket.
    const server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // The Node adapter reports a response it could not write (such as headers sent twice) on stderr.
    const serverErrors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const head = await fetch(`${origin}${ticketPath}`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-length')).toBe(String(length));
      expect(head.headers.get('accept-ranges')).toBe('bytes');
      expect(head.headers.get('cache-control')).toBe('no-store');
      expect((await head.arrayBuffer()).byteLength).toBe(0);
      const ranged = await fetch(`${origin}${ticketPath}`, { method: 'HEAD', headers: { range: 'bytes=100-199' } });
      expect(ranged.status).toBe(206);
      expect(ranged.headers.get('content-range')).toBe(`bytes 100-199/${length}`);
      expect(ranged.headers.get('content-length')).toBe('100');
      // The same server then streams as before.
      const got = await fetch(`${origin}${ticketPath}`, { headers: { range: 'bytes=100-199' } });
      expect(Buffer.from(await got.arrayBuffer()).equals(Buffer.from(await whole.arrayBuffer()).subarray(100, 200))).toBe(true);
      expect(serverErrors).not.toHaveBeenCalled();
    } finally {
      serverErrors.mockRestore();
      server.close();
    }
  });

  it('keeps a watched playback going with the next link, checking the viewer again each time', async () => {
    const first = await startPlayback();
    expect(first.status).toBe(201);
    const firstTicket = new URL(first.body.streamUrl).pathname.split('/').pop()!;
    const next = await media(`http://x/media/${firstTicket}/continue`, {}, 'POST');
    expect(next.status).toBe(201);
    const link = (await next.json()) as { ticket: string; streamUrl: string; expiresAt: string };
    expect(link.streamUrl).toBe(`${PUBLIC_BASE_URL}/media/${link.ticket}`);
    expect(link.ticket).not.toBe(firstTicket);
    expect((await media(link.streamUrl, { range: 'bytes=0-99' })).status).toBe(206);
    const [continued] = await database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectId, stored.recordingId), eq(auditEvents.action, 'recording.playback_continued')));
    const firstId = (await t.tokens.verifyPlayback(firstTicket)).ticketId;
    expect(continued).toMatchObject({ actorType: 'agent', details: { previousTicketId: firstId, customerId: stored.customerId } });

    // An expired link cannot be continued.
    const principal = await t.tokens.verify(agent);
    if (principal.kind !== 'agent') throw new Error('expected an agent session');
    const expired = await t.tokens.issuePlayback({ tenantId: principal.tenantId, agentId: principal.agentId, recordingId: stored.recordingId, epoch: 0, startedAt: new Date() }, -5);
    expect((await media(`http://x/media/${expired.token}/continue`, {}, 'POST')).status).toBe(401);

    // A playback goes on no longer than a sign-in lasts (8 h here) from its start, however often continued.
    const { epoch } = await t.tokens.verifyPlayback(link.ticket);
    const longAgo = new Date(Date.now() - 8 * 3600_000 + 120_000);
    const end = Math.floor(longAgo.getTime() / 1000) * 1000 + 8 * 3600_000;
    const late = await t.tokens.issuePlayback({ tenantId: principal.tenantId, agentId: principal.agentId, recordingId: stored.recordingId, epoch, startedAt: longAgo }, 60);
    const last = await media(`http://x/media/${late.token}/continue`, {}, 'POST');
    expect(last.status).toBe(201);
    const lastLink = (await last.json()) as { ticket: string; expiresAt: string };
    // Two minutes were left: the next link gets those, not the usual five.
    expect(new Date(lastLink.expiresAt).getTime()).toBe(end);
    expect((await t.tokens.verifyPlayback(lastLink.ticket)).startedAt.getTime()).toBe(end - 8 * 3600_000);
    // A link that already runs to the end is not renewed: the player stops there instead of asking again and again.
    const atEnd = await media(`http://x/media/${lastLink.ticket}/continue`, {}, 'POST');
    expect(atEnd.status).toBe(401);
    expect((await atEnd.json()).error.message).toMatch(/as long as one sign-in lasts/);

    // Signed out everywhere: the running link stops at its next request and cannot be continued.
    const viewer = await t.signIn('acme', 'agent-leaving', 'agent');
    const playing = await startPlayback(stored.recordingId, viewer);
    expect(playing.status).toBe(201);
    expect((await t.call('POST', '/api/me/sign-out', { token: viewer })).status).toBe(204);
    const stopped = await media(playing.body.streamUrl, { range: 'bytes=0-99' });
    expect(stopped.status).toBe(401);
    expect((await stopped.json()).error.message).toMatch(/session has ended/);
    const ticketOfPlaying = new URL(playing.body.streamUrl).pathname.split('/').pop()!;
    expect((await media(`http://x/media/${ticketOfPlaying}/continue`, {}, 'POST')).status).toBe(401);
  });

  it('refuses expired, altered or borrowed tickets', async () => {
    const principal = await t.tokens.verify(agent);
    if (principal.kind !== 'agent') throw new Error('expected an agent session');
    const expired = await t.tokens.issuePlayback({ tenantId: principal.tenantId, agentId: principal.agentId, recordingId: stored.recordingId, epoch: 0, startedAt: new Date() }, -5);
    const res = await media(`http://x/media/${expired.token}`);
    expect(res.status).toBe(401);
    expect((await res.json()).error.message).toMatch(/expired/);

    const good = (await startPlayback()).body.streamUrl as string;
    // The signature's first character: all six of its bits count (the last one's low bits are padding).
    const altered = good.replace(/\.([\w-])([\w-]*)$/, (_match, first: string, rest: string) => `.${first === 'A' ? 'B' : 'A'}${rest}`);
    expect((await media(altered)).status).toBe(401);
    // A session token is not a playback ticket, and a playback ticket is not a session.
    expect((await media(`http://x/media/${agent}`)).status).toBe(401);
    const ticket = new URL(good).pathname.split('/').pop()!;
    expect((await t.call('GET', `/api/recordings/${stored.recordingId}`, { token: ticket })).status).toBe(401);
  });

  it('shows other tenants nothing and customers no recordings', async () => {
    const stranger = await t.signIn('other-company');
    expect((await startPlayback(stored.recordingId, stranger)).status).toBe(404);
    expect((await t.call('GET', `/api/customers/${stored.customerId}/recordings`, { token: stranger })).status).toBe(404);
    expect((await t.call('GET', `/api/recordings/${stored.recordingId}`, { token: stranger })).status).toBe(404);

    const principal = await t.tokens.verify(agent);
    const customer = await t.tokens.issueCall({ tenantId: principal.tenantId, callId: stored.callId, participantId: '00000000-0000-4000-8000-000000000000', role: 'customer' });
    expect((await t.call('GET', `/api/recordings/${stored.recordingId}`, { token: customer.token })).status).toBe(403);
    expect((await startPlayback(stored.recordingId, customer.token)).status).toBe(403);
  });

  it('rotates the master key by rewrapping subject keys, leaving the stored media as it was', async () => {
    const [row] = await database.db.select().from(recordings).where(eq(recordings.id, stored.recordingId));
    const objectFile = join(t.dataDir, 'store', row!.objectKey!);
    const before = createHash('sha256').update(readFileSync(objectFile)).digest('hex');
    const [subjectBefore] = await database.db.select().from(subjectKeys).where(eq(subjectKeys.customerId, stored.customerId));

    expect((await t.call('POST', '/api/admin/keys/rotate', { token: agent })).status).toBe(403);
    const admin = await t.signIn('acme', '1', 'admin');
    const res = await t.call('POST', '/api/admin/keys/rotate', { token: admin });
    expect(res.status).toBe(200);
    expect(res.body.rewrappedSubjectKeys).toBeGreaterThanOrEqual(1);

    const [subjectAfter] = await database.db.select().from(subjectKeys).where(eq(subjectKeys.customerId, stored.customerId));
    expect(subjectAfter!.masterKeyId).toBe(res.body.keyId);
    expect(subjectAfter!.masterKeyId).not.toBe(subjectBefore!.masterKeyId);
    expect(subjectAfter!.wrappedKey.equals(subjectBefore!.wrappedKey)).toBe(false);
    expect(createHash('sha256').update(readFileSync(objectFile)).digest('hex')).toBe(before);

    const playback = await startPlayback();
    const bytes = Buffer.from(await (await media(playback.body.streamUrl)).arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(row!.mediaSha256);
  });

  it('will not play a recording that is still being processed', async () => {
    const res = await startPlayback(pending.recordingId);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('RECORDING_NOT_READY');
  });
});
