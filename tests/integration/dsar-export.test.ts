import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decrypter } from 'age-encryption';
import pino from 'pino';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Database } from '../../backend/src/db/client.js';
import { auditEvents, calls, consentRecords, dsarExports, dsarRequests, meetingTypes, noticeVersions, recordings } from '../../backend/src/db/schema/index.js';
import { createLogger } from '../../backend/src/logger.js';
import { runAccessRequest } from '../../backend/src/services/dsar/export/run-access-request.js';
import { runDsarJob } from '../../backend/src/services/dsar/run-request.js';
import { newLeaseOwner } from '../../backend/src/services/recordings/claim.js';
import { sweepExpiredExports } from '../../backend/src/services/dsar/export/sweep-expired.js';
import { beginRecording } from '../../backend/src/services/recordings/begin.js';
import { runRecordingJob } from '../../backend/src/services/recordings/pipeline.js';
import { verifyAuditChain } from '../../backend/src/services/audit/verify.js';
import { databaseKinds, freshDatabase, freshPostgresUrl, type DatabaseKind } from '../support/databases.js';
import { captureRawCall, localStores, composingOnce, pipelineDeps, seedEndedRecordedCall, seedTenant } from '../support/recording-fixtures.js';
import { buildTestApp, escalation, PUBLIC_BASE_URL, startTestJanus, type TestApp } from '../support/test-app.js';
import type { LocalJanus } from '../../media/janus/local-node.js';
import { parley } from '../support/cli.js';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 300_000 });

async function decryptBundle(bytes: Uint8Array, passphrase: string): Promise<Buffer> {
  const decrypter = new Decrypter();
  decrypter.addPassphrase(passphrase);
  return Buffer.from(await decrypter.decrypt(bytes));
}

/** The zip's entries, read with Info-ZIP's unzip as a recipient would. */
async function unzipped(zip: Buffer) {
  const dir = await mkdtemp(join(tmpdir(), 'parley-bundle-'));
  const file = join(dir, 'bundle.zip');
  await writeFile(file, zip);
  return {
    dir,
    names: execFileSync('unzip', ['-Z1', file], { encoding: 'utf8' }).trim().split('\n'),
    text: (name: string) => execFileSync('unzip', ['-p', file, name], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 }),
    extract: (name: string) => {
      execFileSync('unzip', ['-o', '-q', file, name, '-d', dir]);
      return join(dir, name);
    },
  };
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe.each(databaseKinds)('access request export on %s', (kind: DatabaseKind) => {
  let database: Database;
  let janus: LocalJanus;
  let baseDir: string;
  let t: TestApp;
  let rawTemplate: string;
  const logLines: string[] = [];
  const logger = createLogger('trace', { write: (line: string) => void logLines.push(line) });
  let subject: { customerId: string; tenantId: string; callIds: string[]; recordingIds: string[]; caseIds: string[] };
  let other: { customerId: string; callId: string; recordingId: string; email: string };
  let otherTenant: { tenantId: string; customerId: string; recordingId: string };
  let requestId: string;
  let dpo: string;
  const progress: [number, number][] = [];
  let passphrase: string;
  let downloadUrl: string;

  /** Ends an escalated call and records it as the pipeline does after a real call. */
  async function recordCall(callId: string) {
    const [row] = await database.db.select({ call: calls, type: meetingTypes }).from(calls).innerJoin(meetingTypes, eq(meetingTypes.id, calls.meetingTypeId)).where(eq(calls.id, callId));
    await database.db.transaction((tx) => beginRecording({ dataDir: t.dataDir, recordingMinFreeBytes: 0 }, tx, row!.call, row!.type));
    const [recording] = await database.db.select().from(recordings).where(eq(recordings.callId, callId));
    await cp(rawTemplate, recording!.rawDir, { recursive: true });
    expect(await runRecordingJob(pipelineDeps(database.db, t.dataDir, t.recordings, { composer: composingOnce }), recording!.id)).toBe('done');
    return recording!.id;
  }

  beforeAll(async () => {
    baseDir = mkdtempSync(join(tmpdir(), 'parley-dsar-export-'));
    [database, janus, rawTemplate] = await Promise.all([freshDatabase(kind), startTestJanus(baseDir), captureRawCall(2)]);
    t = await buildTestApp(database, janus, { logger });
    const agent = await t.signInAgent('acme');
    const supervisor = await t.signIn('acme', 'sup-1', 'supervisor');
    dpo = await t.signIn('acme', 'dpo-1', 'dpo');

    // The subject: an advice call (recorded by legal duty), a consultation (recorded with consent), a support call (never recorded).
    const escalate = async (type: 'advice' | 'consultation' | 'support', ticket: string, requester: string, recording?: boolean) => {
      const res = await t.call('POST', '/api/calls', { token: agent.token, body: escalation(await t.meetingType(agent.token, type), ticket, requester) });
      expect(res.status).toBe(201);
      expect((await t.decide(res.body.links.customer, { join: true, recording })).status).toBe(200);
      expect((await t.call('POST', `/api/calls/${res.body.call.id}/end`, { token: agent.token })).status).toBe(200);
      return res.body.call.id as string;
    };
    const advice = await escalate('advice', 'subject-ticket-1', 'subject-1');
    const consultation = await escalate('consultation', 'subject-ticket-2', 'subject-1', true);
    const support = await escalate('support', 'subject-ticket-1', 'subject-1');
    const otherCall = await escalate('consultation', 'other-ticket', 'other-1', true);
    const subjectRecordings = [await recordCall(advice), await recordCall(consultation)];
    const otherRecording = await recordCall(otherCall);
    const [adviceRow] = await database.db.select().from(calls).where(eq(calls.id, advice));
    const [otherRow] = await database.db.select().from(calls).where(eq(calls.id, otherCall));
    const subjectCalls = await database.db.select().from(calls).where(eq(calls.customerId, adviceRow!.customerId));
    subject = {
      customerId: adviceRow!.customerId,
      tenantId: agent.tenantId,
      callIds: [advice, consultation, support],
      recordingIds: subjectRecordings,
      caseIds: [...new Set(subjectCalls.map((c) => c.caseId))],
    };
    other = { customerId: otherRow!.customerId, callId: otherCall, recordingId: otherRecording, email: 'alex@example.com' };
    // Another tenant, with a recording of its own.
    const globex = await seedTenant(database.db, 'globex');
    const seeded = await seedEndedRecordedCall(database.db, t.dataDir, globex, rawTemplate);
    expect(await runRecordingJob(pipelineDeps(database.db, t.dataDir, t.recordings, { composer: composingOnce }), seeded.recordingId)).toBe('done');
    otherTenant = { tenantId: globex.tenantId, customerId: seeded.customerId, recordingId: seeded.recordingId };

    // Who accessed what: a supervisor plays one of the subject's recordings and one of the other customer's.
    expect((await t.call('POST', `/api/recordings/${subjectRecordings[0]}/playback`, { token: supervisor })).status).toBe(201);
    expect((await t.call('POST', `/api/recordings/${otherRecording}/playback`, { token: supervisor })).status).toBe(201);
    expect((await t.call('GET', `/api/customers/${subject.customerId}/recordings`, { token: supervisor })).status).toBe(200);

    const [request] = await database.db
      .insert(dsarRequests)
      .values({ tenantId: subject.tenantId, kind: 'access', customerId: subject.customerId, subjectDigest: sha256(Buffer.from('subject-1')), verification: 'checked against the ticket requester', dueAt: new Date(Date.now() + 30 * 86_400_000) })
      .returning();
    requestId = request!.id;
    const result = await runAccessRequest(
      { db: database.db, logger, masterKeys: t.recordings.masterKeys, stores: t.recordings.stores, publicBaseUrl: PUBLIC_BASE_URL, dataDir: t.dataDir },
      request!,
      async (done, total) => void progress.push([done, total]),
    );
    expect(result).toMatchObject({ state: 'completed', outcome: { dataHeld: true, contents: { recordings: 2, calls: 3 } } });
  });

  afterAll(async () => {
    await t?.close();
    await janus?.stop();
    await database?.close();
    rmSync(baseDir, { recursive: true, force: true });
    if (rawTemplate) rmSync(rawTemplate, { recursive: true, force: true });
  });

  it('reports progress as recordings go into the bundle', () => {
    expect(progress).toEqual([[0, 2], [1, 2], [2, 2]]);
  });

  it('hands the passphrase to a DPO once, with a download link, and refuses anyone without handle_dsar', async () => {
    const agent = await t.signIn('acme', 'agent-2', 'agent');
    const refused = await t.call('POST', `/api/dsar/${requestId}/export/link`, { token: agent });
    expect(refused.status).toBe(403);
    const stranger = await t.signIn('globex', 'dpo-g', 'dpo');
    expect((await t.call('POST', `/api/dsar/${requestId}/export/link`, { token: stranger })).status).toBe(404);

    // A failure after the passphrase was read (here the audit event cannot be written) hands
    // nothing over and loses nothing: the passphrase is still there for the next call.
    await database.db.execute(sql`CREATE FUNCTION refuse_link_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.action = 'dsar.export_link_issued' THEN RAISE EXCEPTION 'audit store unavailable'; END IF; RETURN NEW; END $$`);
    await database.db.execute(sql`CREATE TRIGGER refuse_link_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION refuse_link_audit()`);
    const failed = await t.call('POST', `/api/dsar/${requestId}/export/link`, { token: dpo });
    await database.db.execute(sql`DROP TRIGGER refuse_link_audit ON audit_events`);
    await database.db.execute(sql`DROP FUNCTION refuse_link_audit()`);
    expect(failed.status).toBe(500);
    expect(failed.body.passphrase).toBeUndefined();

    const first = await t.call('POST', `/api/dsar/${requestId}/export/link`, { token: dpo });
    expect(first.status).toBe(201);
    expect(first.body.passphrase).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{1,4}){6}$/);
    expect(first.body.downloadUrl).toMatch(/^http:\/\/parley\.test\/dsar\/bundles\/[\w-]{43}$/);
    passphrase = first.body.passphrase;

    const second = await t.call('POST', `/api/dsar/${requestId}/export/link`, { token: dpo });
    expect(second.status).toBe(201);
    expect(second.body.passphrase).toBeNull();
    // A new link replaces the old one.
    expect((await t.app.request(new URL(first.body.downloadUrl).pathname)).status).toBe(404);
    downloadUrl = second.body.downloadUrl;
  });

  it('delivers exactly the subject\u2019s data, notices, access log and playable recordings', async () => {
    const res = await t.app.request(new URL(downloadUrl).pathname);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="parley-data-export-[0-9a-f]{8}\.zip\.age"$/);
    const encrypted = new Uint8Array(await res.arrayBuffer());
    expect(Buffer.from(encrypted.subarray(0, 21)).toString()).toBe('age-encryption.org/v1');
    await expect(decryptBundle(encrypted, 'wrong-passphrase')).rejects.toThrow();
    const zip = await unzipped(await decryptBundle(encrypted, passphrase));
    try {
      expect(zip.names.sort()).toEqual(['data.json', 'summary.html', ...subject.recordingIds.map((id) => `recordings/${id}.webm`)].sort());
      const text = zip.text('data.json');
      const data = JSON.parse(text);
      expect(data.customer).toMatchObject({ id: subject.customerId, email: 'alex@example.com', displayName: 'Alex Customer' });
      expect(data.cases.map((c: { id: string }) => c.id).sort()).toEqual([...subject.caseIds].sort());
      expect(data.calls.map((c: { id: string }) => c.id).sort()).toEqual([...subject.callIds].sort());
      expect(data.calls.find((c: { id: string }) => c.id === subject.callIds[0]).participants).toEqual(expect.any(Array));
      expect(data.recordings.map((r: { id: string }) => r.id).sort()).toEqual([...subject.recordingIds].sort());
      const consents = await database.db.select().from(consentRecords).where(eq(consentRecords.customerId, subject.customerId));
      expect(consents.length).toBeGreaterThanOrEqual(3);
      expect(data.consentRecords.map((r: { id: string }) => r.id).sort()).toEqual(consents.map((r) => r.id).sort());
      // The notice texts exactly as shown, with version and hash.
      const shown = await database.db.select().from(noticeVersions).where(inArray(noticeVersions.id, consents.map((c) => c.noticeVersionId)));
      for (const notice of shown) {
        expect(data.notices.find((n: { id: string }) => n.id === notice.id)).toMatchObject({ version: notice.version, contentHash: notice.contentHash, content: notice.content });
      }
      expect(data.consentRecords[0]).toMatchObject({ noticeHash: expect.stringMatching(/^[0-9a-f]{64}$/), language: expect.any(String), noticeVersion: expect.any(Number) });
      // The access log: the supervisor's playback of the subject's recording, by role, not by name.
      const played = data.accessLog.filter((e: { action: string }) => e.action === 'recording.playback_started');
      expect(played).toEqual([expect.objectContaining({ subject: { type: 'recording', id: subject.recordingIds[0] }, actor: { type: 'staff', roles: ['supervisor'] } })]);
      expect(data.accessLog.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['call.escalated', 'consent.decided', 'recordings.listed', 'recording.stored']));
      // Nothing of anyone else.
      for (const foreign of [other.customerId, other.callId, other.recordingId, otherTenant.tenantId, otherTenant.customerId, otherTenant.recordingId, 'chris@example.org', 'Dana Agent']) {
        expect(text).not.toContain(foreign);
        expect(zip.text('summary.html')).not.toContain(foreign);
      }
      const summary = zip.text('summary.html');
      expect(summary).toContain('Who accessed your data');
      expect(summary).toContain('Alex Customer');
      expect(summary).toContain(shown[0]!.content && (shown[0]!.content as { title: string }).title);

      // Each file is its own recording's: no two stored recordings are the same bytes.
      const stored = await database.db.select({ sha: recordings.mediaSha256 }).from(recordings).where(inArray(recordings.id, subject.recordingIds));
      expect(new Set(stored.map((r) => r.sha)).size).toBe(subject.recordingIds.length);
      for (const id of subject.recordingIds) {
        const file = zip.extract(`recordings/${id}.webm`);
        const [row] = await database.db.select().from(recordings).where(eq(recordings.id, id));
        expect(sha256(await readFile(file))).toBe(row!.mediaSha256);
        const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', file], { encoding: 'utf8' }));
        expect(probe.format.format_name).toMatch(/webm/);
        expect(probe.streams.map((s: { codec_type: string }) => s.codec_type).sort()).toEqual(['audio', 'video']);
      }
    } finally {
      await rm(zip.dir, { recursive: true, force: true });
    }
  });

  it('audits every download, and answers an unknown token 404 and an expired one 410', async () => {
    const path = new URL(downloadUrl).pathname;
    expect((await t.app.request(path)).status).toBe(200);
    const downloads = await database.db.select().from(auditEvents).where(and(eq(auditEvents.subjectId, requestId), eq(auditEvents.action, 'dsar.export_downloaded')));
    expect(downloads.map((d) => d.details.first)).toEqual([true, false]);

    expect((await t.app.request(`/dsar/bundles/${randomBytes(32).toString('base64url')}`)).status).toBe(404);
    expect((await t.app.request('/dsar/bundles/not-a-token')).status).toBe(400);

    const [row] = await database.db.update(dsarExports).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(dsarExports.requestId, requestId)).returning();
    const expired = await t.app.request(path);
    expect(expired.status).toBe(410);
    expect(((await expired.json()) as { error: { code: string } }).error.code).toBe('EXPORT_LINK_EXPIRED');
    expect((await t.call('POST', `/api/dsar/${requestId}/export/link`, { token: dpo })).status).toBe(410);

    // The sweep deletes the bundle and its row; the link is then unknown.
    const bundleFile = join(t.dataDir, 'store', row!.objectKey);
    expect(existsSync(bundleFile)).toBe(true);
    expect(await sweepExpiredExports({ db: database.db, stores: t.recordings.stores, logger })).toBe(1);
    expect(existsSync(bundleFile)).toBe(false);
    expect(await database.db.select().from(dsarExports).where(eq(dsarExports.requestId, requestId))).toEqual([]);
    expect((await t.app.request(path)).status).toBe(404);
    const actions = (await database.db.select().from(auditEvents).where(eq(auditEvents.subjectId, requestId)).orderBy(auditEvents.id)).map((e) => e.action);
    expect(actions).toEqual(['dsar.export_prepared', 'dsar.export_link_issued', 'dsar.export_link_issued', 'dsar.export_downloaded', 'dsar.export_downloaded', 'dsar.export_deleted']);
    expect(await verifyAuditChain(database.db, { tenantId: subject.tenantId })).toMatchObject({ ok: true });
  });

  it('keeps the passphrase and the link out of logs, audit rows and the database', async () => {
    const token = downloadUrl.split('/').pop()!;
    expect(logLines.length).toBeGreaterThan(0);
    const logs = logLines.join('');
    const audit = JSON.stringify(await database.db.select().from(auditEvents));
    const requestRows = JSON.stringify(await database.db.select().from(dsarRequests));
    for (const secret of [passphrase, passphrase.replaceAll('-', ''), token]) {
      expect(logs).not.toContain(secret);
      expect(audit).not.toContain(secret);
      expect(requestRows).not.toContain(secret);
    }
  });
});


describe.each(databaseKinds)('parley dsar export on %s', (kind: DatabaseKind) => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-dsar-cli-'));
  let url: string | undefined;
  let requestId: string;
  let recordingId: string;
  let rawTemplate: string;

  async function withDb<T>(work: (database: Database) => Promise<T>): Promise<T> {
    const database = await openDatabase(url ? { url } : { dataDir: dir });
    try {
      return await work(database);
    } finally {
      await database.close();
    }
  }

  beforeAll(async () => {
    url = kind === 'postgres' ? freshPostgresUrl('dsar') : undefined;
    rawTemplate = await captureRawCall(2);
    await withDb(async (database) => {
      await database.migrate();
      const tenant = await seedTenant(database.db, 'initech');
      // Keys and stores where the CLI finds them: under its PARLEY_DATA_DIR.
      const seeded = await seedEndedRecordedCall(database.db, dir, tenant, rawTemplate);
      expect(await runRecordingJob(pipelineDeps(database.db, dir, localStores(dir), { composer: composingOnce }), seeded.recordingId)).toBe('done');
      recordingId = seeded.recordingId;
      const [request] = await database.db
        .insert(dsarRequests)
        .values({ tenantId: tenant.tenantId, kind: 'access', customerId: seeded.customerId, subjectDigest: 'x', verification: 'in person', dueAt: new Date(Date.now() + 86_400_000) })
        .returning();
      requestId = request!.id;
    });
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    if (rawTemplate) rmSync(rawTemplate, { recursive: true, force: true });
  });

  it('runs the request, writes the encrypted bundle and prints the passphrase once on stderr', async () => {
    const out = join(dir, 'bundle.zip.age');
    const run = await parley(['dsar', 'export', requestId, '--out', out, ...(url ? ['--database-url', url] : [])], { PARLEY_DATA_DIR: dir, DATABASE_URL: undefined, LOG_LEVEL: 'silent' });
    expect(run.code).toBe(0);
    // Not a terminal: plain progress lines, no bar.
    expect(run.stdout).toContain('recordings: 1/1');
    expect(run.stdout).toContain(`encrypted bundle written to ${out}`);
    const passphrase = /passphrase \(shown once[^)]*\): (\S+)/.exec(run.stderr)?.[1];
    expect(passphrase).toBeDefined();
    expect(run.stdout).not.toContain(passphrase!);
    const zip = await unzipped(await decryptBundle(new Uint8Array(await readFile(out)), passphrase!));
    try {
      expect(zip.names).toContain(`recordings/${recordingId}.webm`);
    } finally {
      await rm(zip.dir, { recursive: true, force: true });
    }
    await withDb(async (database) => {
      const [request] = await database.db.select().from(dsarRequests).where(eq(dsarRequests.id, requestId));
      expect(request).toMatchObject({ state: 'completed', progressDone: 1, progressTotal: 1 });
      expect(JSON.stringify(request!.outcome)).not.toContain(passphrase!);
    });
    // A request id that is not one is a usage error.
    const again = await parley(['dsar', 'export', 'not-a-uuid'], { PARLEY_DATA_DIR: dir, LOG_LEVEL: 'silent' });
    expect(again.code).toBe(2);
  });

  it('delivers the bundle of a request the server’s worker already answered', async () => {
    // The usual order: received through the API, answered by the worker at once, then the DPO asks for the bundle.
    const answered = await withDb(async (database) => {
      const [customer] = await database.db.select({ customerId: dsarRequests.customerId, tenantId: dsarRequests.tenantId }).from(dsarRequests).where(eq(dsarRequests.id, requestId));
      const [request] = await database.db
        .insert(dsarRequests)
        .values({ tenantId: customer!.tenantId, kind: 'access', customerId: customer!.customerId, subjectDigest: 'y', verification: 'in person', dueAt: new Date(Date.now() + 86_400_000) })
        .returning();
      const { masterKeys, stores } = localStores(dir);
      const workerDeps = {
        db: database.db, logger: pino({ level: 'silent' }), masterKeys, stores, publicBaseUrl: 'http://parley.test', dataDir: dir,
        lease: { owner: newLeaseOwner(), ms: 30_000 }, retry: { baseDelayMs: 100, maxDelayMs: 400 },
      };
      expect(await runDsarJob(workerDeps, request!.id)).toBe('completed');
      return request!.id;
    });
    const out = join(dir, 'answered.zip.age');
    const run = await parley(['dsar', 'export', answered, '--out', out, ...(url ? ['--database-url', url] : [])], { PARLEY_DATA_DIR: dir, DATABASE_URL: undefined, LOG_LEVEL: 'silent' });
    expect(run.stderr).not.toContain('not completed');
    expect(run.code).toBe(0);
    const passphrase = /passphrase \(shown once[^)]*\): (\S+)/.exec(run.stderr)?.[1];
    expect(passphrase).toBeDefined();
    const zip = await unzipped(await decryptBundle(new Uint8Array(await readFile(out)), passphrase!));
    try {
      expect(zip.names).toContain(`recordings/${recordingId}.webm`);
    } finally {
      await rm(zip.dir, { recursive: true, force: true });
    }
  });
});
