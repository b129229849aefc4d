import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Decrypter } from 'age-encryption';
import { and, eq, sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
// First: the app's modules load @hono/zod-openapi, which must extend zod before any schema is built.
import { buildTestApp, escalation, startTestJanus, type TestApp } from '../support/test-app.js';
import { decryptStream } from '../../media/encryption/format.js';
import { KeyStoreError } from '../../media/encryption/errors.js';
import type { LocalJanus } from '../../media/janus/local-node.js';
import { startFakeVault, type FakeVault } from '../../backend/src/adapters/kms/fake-vault-server.js';
import { VaultTransitKms } from '../../backend/src/adapters/kms/vault-transit-kms.js';
import { createAuditSink } from '../../backend/src/adapters/audit-sink/sink.js';
import type { Database } from '../../backend/src/db/client.js';
import { auditChainHeads, offboardedTenants, outboxMessages, recordings, subjectKeys, tenantExports, tenants } from '../../backend/src/db/schema/index.js';
import type { AuditForwardPayload, OutboxDeliverer } from '../../backend/src/ports/outbox-delivery.js';
import { openRecordingStores } from '../../backend/src/recording-stores.js';
import { eventHash } from '../../backend/src/services/audit/chain.js';
import { createAuditForwarder } from '../../backend/src/services/audit/forwarder.js';
import { setAuditForwarding } from '../../backend/src/services/audit/forwarding.js';
import { recordAudit, rowsOf } from '../../backend/src/services/audit/record.js';
import { offboardTenant } from '../../backend/src/services/offboarding/delete-tenant.js';
import { forwardOffboardingRecords } from '../../backend/src/services/offboarding/forward-records.js';
import { unwrapRecordingKey } from '../../backend/src/services/recordings/keys.js';
import { runRecordingJob } from '../../backend/src/services/recordings/pipeline.js';
import { provisionTenant } from '../../backend/src/services/tenants/provision.js';
import { databaseKinds, freshDatabase } from '../support/databases.js';
import { seedAgent } from '../support/principals.js';
import { captureRawCall, localStores, composingOnce, pipelineDeps, seedEndedRecordedCall, waitFor } from '../support/recording-fixtures.js';
import { startZendeskSidebar, type HandedOverSession } from '../support/zendesk-sidebar.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 300_000 });

const ADA = { id: 8002, name: 'Ada Admin', role: 'admin' as const };
const DANA = { id: 8001, name: 'Dana Agent', role: 'agent' as const };
const ACCOUNT = 'globex';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Every table that has a tenant_id column, as the database lists them. */
async function tenantTables(database: Database): Promise<string[]> {
  const rows = rowsOf<{ name: string }>(
    await database.db.execute(sql`
      SELECT c.table_name AS name FROM information_schema.columns c
      JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = current_schema() AND c.column_name = 'tenant_id' AND t.table_type = 'BASE TABLE'`),
  );
  return rows.map((r) => r.name);
}

async function rowsOfTenant(database: Database, tenantId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of await tenantTables(database)) {
    const [row] = rowsOf<{ n: string | number }>(await database.db.execute(sql`SELECT count(*) AS n FROM ${sql.identifier(table)} WHERE tenant_id = ${tenantId}::uuid`));
    counts[table] = Number(row!.n);
  }
  const [tenant] = rowsOf<{ n: string | number }>(await database.db.execute(sql`SELECT count(*) AS n FROM tenants WHERE id = ${tenantId}::uuid`));
  counts.tenants = Number(tenant!.n);
  return counts;
}

/** Decrypts stored recording bytes with the key hierarchy as playback does; rejects when a key is gone. */
async function decryptRecording(bytes: Buffer, unwrap: () => Promise<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    const out = Readable.from([bytes]).pipe(decryptStream(() => unwrap()));
    out.on('data', (chunk: Buffer) => chunks.push(chunk));
    out.on('end', resolve);
    out.on('error', reject);
  });
  return Buffer.concat(chunks);
}

describe('deleting an account after exporting it', () => {
  let janus: LocalJanus;
  let baseDir: string;
  let rawTemplate: string;

  beforeAll(async () => {
    baseDir = mkdtempSync(join(tmpdir(), 'parley-offboarding-'));
    [janus, rawTemplate] = await Promise.all([startTestJanus(baseDir), captureRawCall(2)]);
  });
  afterAll(async () => {
    await janus?.stop();
    rmSync(baseDir, { recursive: true, force: true });
    if (rawTemplate) rmSync(rawTemplate, { recursive: true, force: true });
  });

  describe.each(databaseKinds)('on %s', (kind) => {
    let database: Database;
    let sidebar: Awaited<ReturnType<typeof startZendeskSidebar>>;
    let t: TestApp;
    let ada: HandedOverSession;
    let dana: HandedOverSession;
    let tenantId: string;
    let recorded: Awaited<ReturnType<typeof seedEndedRecordedCall>>;
    let exportId: string;

    beforeAll(async () => {
      [database, sidebar] = await Promise.all([freshDatabase(kind), startZendeskSidebar([ADA, DANA])]);
      t = await buildTestApp(database, janus, { demo: false, identity: sidebar.identity });
      sidebar.installPage(t.dataDir);
      ada = await sidebar.signIn(t.app, ACCOUNT, ADA);
      dana = await sidebar.signIn(t.app, ACCOUNT, DANA);
      tenantId = (await t.tokens.verify(ada.token)).tenantId;

      // A call the agent made and ended, and a recorded call the pipeline stored encrypted.
      const call = await t.call('POST', '/api/calls', { token: dana.token, body: escalation(await t.meetingType(dana.token, 'support'), 'globex-1') });
      expect(call.status).toBe(201);
      expect((await t.call('POST', `/api/calls/${call.body.call.id}/end`, { token: dana.token })).status).toBe(200);
      recorded = await seedEndedRecordedCall(database.db, t.dataDir, { tenantId, agentId: dana.agent.id }, rawTemplate, { ticketId: '4242' });
      expect(await runRecordingJob(pipelineDeps(database.db, t.dataDir, t.recordings, { composer: composingOnce }), recorded.recordingId)).toBe('done');
    });
    afterAll(async () => {
      await t?.close();
      await sidebar?.close();
      await database?.close();
    });

    const status = async (token = ada.token) => {
      const res = await t.call('GET', '/api/admin/offboarding', { token });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.offboarding;
    };
    const remove = (body: unknown, token = ada.token) => t.call('POST', '/api/admin/offboarding/delete', { token, body });

    it('refuses to delete an account that was not exported', async () => {
      const before = await status();
      expect(before).toMatchObject({ account: ACCOUNT, export: null, canDelete: false });
      expect(before.blockers.map((b: { code: string }) => b.code)).toContain('export_missing');

      const res = await remove({ confirmAccount: ACCOUNT, exportId: randomUUID() });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('EXPORT_MISSING');
      expect((await rowsOfTenant(database, tenantId)).tenants).toBe(1);
    });

    it('lets only admins export or delete', async () => {
      expect((await t.call('POST', '/api/admin/offboarding/export', { token: dana.token })).status).toBe(403);
      expect((await t.call('GET', '/api/admin/offboarding', { token: dana.token })).status).toBe(403);
      expect((await remove({ confirmAccount: ACCOUNT, exportId: randomUUID() }, dana.token)).status).toBe(403);
    });

    it('exports everything into one encrypted bundle, handed over once with its passphrase', async () => {
      const started = await t.call('POST', '/api/admin/offboarding/export', { token: ada.token });
      expect(started.status).toBe(202);
      expect(started.body.export.state).toBe('running');
      exportId = started.body.export.id;
      const ready = await waitFor(async () => {
        const view = (await status()).export;
        expect(view.state).not.toBe('failed');
        return view.state === 'ready' ? view : undefined;
      }, 90_000);
      expect(ready.contents).toMatchObject({ customers: 2, recordings: 1 });

      // Not downloaded yet: deleting now would lose the only copy.
      const early = await remove({ confirmAccount: ACCOUNT, exportId });
      expect(early.status).toBe(409);
      expect(early.body.error.code).toBe('EXPORT_NOT_DOWNLOADED');

      const link = await t.call('POST', `/api/admin/offboarding/export/${exportId}/link`, { token: ada.token });
      expect(link.status).toBe(201);
      expect(link.body.passphrase).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{1,4})+$/);
      const again = await t.call('POST', `/api/admin/offboarding/export/${exportId}/link`, { token: ada.token });
      expect(again.body.passphrase).toBeNull();
      // The second link replaced the first.
      expect((await t.app.request(new URL(link.body.downloadUrl).pathname)).status).toBe(404);

      const download = await t.app.request(new URL(again.body.downloadUrl).pathname);
      expect(download.status).toBe(200);
      expect(download.headers.get('cache-control')).toBe('no-store');
      const decrypter = new Decrypter();
      decrypter.addPassphrase(link.body.passphrase);
      const zip = Buffer.from(await decrypter.decrypt(new Uint8Array(await download.arrayBuffer())));
      const dir = mkdtempSync(join(tmpdir(), 'parley-account-bundle-'));
      try {
        writeFileSync(join(dir, 'bundle.zip'), zip);
        const names = execFileSync('unzip', ['-Z1', join(dir, 'bundle.zip')], { encoding: 'utf8' }).trim().split('\n');
        const entry = `customers/${recorded.customerId}/recordings/${recorded.recordingId}.webm`;
        expect(names).toEqual(expect.arrayContaining(['README.txt', 'account.json', `customers/${recorded.customerId}/data.json`, entry, 'audit/events.jsonl']));
        const read = (name: string) => execFileSync('unzip', ['-p', join(dir, 'bundle.zip'), name], { maxBuffer: 64 * 2 ** 20 });
        const [row] = await database.db.select().from(recordings).where(eq(recordings.id, recorded.recordingId));
        expect(sha256(read(entry))).toBe(row!.mediaSha256);
        const account = JSON.parse(read('account.json').toString('utf8'));
        expect(account.tenant.id).toBe(tenantId);
        expect(account.users.map((u: { displayName: string }) => u.displayName).sort()).toEqual(['Ada Admin', 'Dana Agent']);
        const events = read('audit/events.jsonl').toString('utf8').trim().split('\n').map((line) => JSON.parse(line));
        expect(events.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['tenant.provisioned', 'call.escalated', 'tenant.export_started']));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('refuses a confirmation that is not exactly the account name', async () => {
      for (const confirmAccount of ['Globex', ' globex', 'globex.zendesk.com']) {
        const res = await remove({ confirmAccount, exportId });
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('CONFIRMATION_MISMATCH');
      }
    });

    it('refuses while a legal hold is in place', async () => {
      const hold = await t.call('POST', '/api/legal-holds', { token: ada.token, body: { targetType: 'customer', targetId: recorded.customerId, reference: 'MATTER-7' } });
      expect(hold.status).toBe(201);
      const res = await remove({ confirmAccount: ACCOUNT, exportId });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('LEGAL_HOLD');
      expect((await status()).blockers.map((b: { code: string }) => b.code)).toEqual(['legal_hold']);
      expect((await t.call('POST', `/api/legal-holds/${hold.body.hold.id}/release`, { token: ada.token })).status).toBe(200);
      expect((await status()).canDelete).toBe(true);
    });

    it('destroys the master key, the blobs and every row of the account, keeping a record of the deletion', async () => {
      const store = t.recordings.stores.get('local')!;
      const [recording] = await database.db.select().from(recordings).where(eq(recordings.id, recorded.recordingId));
      const [subject] = await database.db.select().from(subjectKeys).where(eq(subjectKeys.id, recording!.subjectKeyId!));
      const reader = await store.open(recording!.objectKey!);
      const { size } = await reader.stat();
      const blob = Buffer.alloc(size);
      await reader.read(blob, 0, size, 0);
      await reader.close();
      const keyFile = join(t.dataDir, 'keys', `${tenantId}.json`);
      // A temp copy of the key file, as a writer killed mid-rotation leaves one.
      const strayCopy = `${keyFile}.0123456789ab.tmp`;
      writeFileSync(strayCopy, '{}', { mode: 0o600 });
      // With the key, whoever holds the blob can read the recording.
      const plaintext = await decryptRecording(blob, () => unwrapRecordingKey(t.recordings.masterKeys, recording!, subject!));
      expect(sha256(plaintext)).toBe(recording!.mediaSha256);
      const [head] = await database.db.select().from(auditChainHeads).where(eq(auditChainHeads.tenantId, tenantId));
      const before = await rowsOfTenant(database, tenantId);

      const res = await remove({ confirmAccount: ACCOUNT, exportId });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.offboarded).toMatchObject({ tenantId, account: ACCOUNT, deleted: { masterKeyDestroyed: true, calls: 2, recordings: 1, audit_events: before.audit_events } });

      const after = await rowsOfTenant(database, tenantId);
      expect(Object.keys(after)).toEqual(expect.arrayContaining(['tenants', 'audit_events', 'consent_records', 'calls', 'recordings', 'subject_keys', 'tenant_exports']));
      expect(Object.entries(after).filter(([table, n]) => table !== 'offboarded_tenants' && n > 0)).toEqual([]);

      expect(existsSync(keyFile)).toBe(false);
      expect(existsSync(strayCopy)).toBe(false);
      expect(await store.head(recording!.objectKey!)).toBeNull();
      expect(existsSync(recorded.rawDir)).toBe(false);
      // The blob someone kept is useless: in this process the key is refused, and a process started
      // afresh finds no such key on disk (it would make a new, unrelated one).
      await expect(unwrapRecordingKey(t.recordings.masterKeys, recording!, subject!)).rejects.toBeInstanceOf(KeyStoreError);
      const restarted = localStores(t.dataDir);
      await expect(decryptRecording(blob, () => unwrapRecordingKey(restarted.masterKeys, recording!, subject!))).rejects.toThrow();
      await restarted.masterKeys.destroy(tenantId);

      const [record] = await database.db.select().from(offboardedTenants).where(eq(offboardedTenants.tenantId, tenantId));
      expect(record).toMatchObject({ host: 'zendesk', externalAccountId: ACCOUNT, offboardedBy: ada.agent.id, auditHeadSeq: Number(head!.seq) + 1, forwardState: 'none' });
      const closing = record!.finalEvent as unknown as AuditForwardPayload;
      expect(closing).toMatchObject({ action: 'tenant.offboarded', prevHash: head!.hash, seq: Number(head!.seq) + 1 });
      expect(eventHash(closing)).toBe(record!.auditHeadHash);

      // The admin's session named a user who no longer exists.
      expect((await t.call('GET', '/api/admin/offboarding', { token: ada.token })).status).toBe(401);
    });

    it('treats the same Zendesk account loading again as a brand-new account', async () => {
      const again = await sidebar.signIn(t.app, ACCOUNT, ADA);
      expect(again.onboarding.required).toBe(true);
      const newTenant = (await t.tokens.verify(again.token)).tenantId;
      expect(newTenant).not.toBe(tenantId);
      expect(await status(again.token)).toMatchObject({ export: null, activeLegalHolds: 0 });
      const onboarding = await t.call('GET', '/api/admin/onboarding', { token: again.token });
      expect(onboarding.body.onboarding).toMatchObject({ completedAt: null, recordingEnabledAt: null });
    });
  });
});

describe('the closing audit event reaches the audit sink', () => {
  let database: Database;
  let receiver: Server;
  const received: AuditForwardPayload[] = [];
  let sinkUrl: string;

  beforeAll(async () => {
    setAuditForwarding(true);
    database = await freshDatabase('pglite');
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as AuditForwardPayload);
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    sinkUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/audit`;
  });
  afterAll(async () => {
    setAuditForwarding(false);
    await new Promise<void>((resolve) => receiver?.close(() => resolve()));
    await database?.close();
  });

  it('waits for the account’s queued copies, then sends the event that closes its chain', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-offboard-sink-'));
    try {
      const { tenantId } = await provisionTenant(database.db, { host: 'teams', externalAccountId: randomUUID() });
      const admin = await seedAgent(database.db, tenantId, { roles: ['admin'] });
      await recordAudit(database.db, { tenantId, actor: admin, action: 'thing.done', subjectType: 'thing', subjectId: '1' });
      // An export finished and downloaded, as the API leaves one.
      const [finished] = await database.db
        .insert(tenantExports)
        .values({ tenantId, requestedBy: admin.agentId, state: 'ready', expiresAt: new Date(Date.now() + 3_600_000), downloadedAt: new Date(), finishedAt: new Date() })
        .returning();
      const deps = { db: database.db, logger: pino({ level: 'silent' }), ...localStores(dataDir), dataDir, publicBaseUrl: 'http://parley.test' };
      const [tenant] = await database.db.select({ name: tenants.name }).from(tenants).where(eq(tenants.id, tenantId));
      const input = { confirmAccount: tenant!.name, exportId: finished!.id };

      // The sink has not received the account's trail yet: deleting now would lose its tail.
      await expect(offboardTenant(deps, admin, input)).rejects.toMatchObject({ code: 'AUDIT_FORWARDING_PENDING' });
      const forwarder = createAuditForwarder({ db: database.db, sink: createAuditSink({ target: { kind: 'http', url: sinkUrl }, timeoutMs: 2_000 }), logger: pino({ level: 'silent' }), settings: { batchSize: 100 } });
      await forwarder.runOnce();
      // Copies arrive in any order; the chain's last link is the one with the highest seq.
      const lastForwarded = received.filter((e) => e.tenantId === tenantId).sort((a, b) => a.seq - b.seq).at(-1)!;

      // A copy the forwarder gave up on (dead letter) would leave a gap as well: it is retried first.
      const [copy] = await database.db.select().from(outboxMessages).where(and(eq(outboxMessages.tenantId, tenantId), eq(outboxMessages.kind, 'audit.event'))).limit(1);
      await database.db.update(outboxMessages).set({ state: 'dead' }).where(eq(outboxMessages.id, copy!.id));
      await expect(offboardTenant(deps, admin, input)).rejects.toMatchObject({ code: 'AUDIT_FORWARDING_PENDING', message: expect.stringContaining('retry') });
      await database.db.update(outboxMessages).set({ state: 'delivered' }).where(eq(outboxMessages.id, copy!.id));

      const done = await offboardTenant(deps, admin, input);
      expect(done.auditHead.seq).toBe(lastForwarded.seq + 1);
      await forwarder.runOnce();
      const closing = received.find((e) => e.tenantId === tenantId && e.action === 'tenant.offboarded')!;
      expect(closing).toMatchObject({ action: 'tenant.offboarded', seq: lastForwarded.seq + 1, prevHash: lastForwarded.hash, hash: done.auditHead.hash });
      const [record] = await database.db.select().from(offboardedTenants).where(eq(offboardedTenants.tenantId, tenantId));
      expect(record).toMatchObject({ forwardState: 'delivered', forwardAttempts: 1 });
      await forwarder.runOnce();
      expect(received.filter((e) => e.action === 'tenant.offboarded')).toHaveLength(1);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('forwarding the closing event of a deleted account', () => {
  let database: Database;
  beforeAll(async () => {
    database = await freshDatabase('pglite');
  });
  afterAll(async () => {
    await database?.close();
  });

  it('a late answer to an earlier attempt never overwrites a later delivery', async () => {
    const [record] = await database.db
      .insert(offboardedTenants)
      .values({
        tenantId: randomUUID(), host: 'zendesk', externalAccountId: 'gone', offboardedBy: randomUUID(), deleted: {},
        auditHeadSeq: 7, auditHeadHash: 'h', finalEvent: { id: 'e1', action: 'tenant.offboarded' }, forwardState: 'pending',
      })
      .returning();
    const delivering: OutboxDeliverer<'audit.event'> = { deliver: async () => ({ outcome: 'delivered' }) };
    // The first attempt hangs past its one-minute claim; meanwhile another instance claims the
    // record again and delivers it. Then the first attempt's sink answers "try again".
    const slow: OutboxDeliverer<'audit.event'> = {
      deliver: async () => {
        expect(await forwardOffboardingRecords(database.db, delivering, { now: new Date(Date.now() + 120_000) })).toBe(1);
        return { outcome: 'retry', error: 'HTTP_503', retryAfterMs: undefined };
      },
    };
    expect(await forwardOffboardingRecords(database.db, slow)).toBe(0);
    const [after] = await database.db.select().from(offboardedTenants).where(eq(offboardedTenants.id, record!.id));
    expect(after).toMatchObject({ forwardState: 'delivered', forwardAttempts: 2, forwardError: null });
  });
});

describe('destroying a tenant master key in Vault Transit', () => {
  let vault: FakeVault;
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-vault-destroy-'));

  beforeAll(async () => {
    vault = await startFakeVault();
  });
  afterAll(async () => {
    await vault?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const stores = () =>
    openRecordingStores({
      dataDir,
      storage: { localRegion: 'eu', s3: [] },
      kms: { provider: 'vault', address: vault.url, token: vault.token, namespace: undefined, mount: 'transit', keyPrefix: 'parley-tenant-' },
    });

  it('allows deletion in the key’s config, deletes the key, and nothing wrapped under it opens again', async () => {
    const tenantId = randomUUID();
    const keyName = `parley-tenant-${tenantId}`;
    const { masterKeys } = stores();
    const kms = await masterKeys.forTenant(tenantId);
    const secret = Buffer.alloc(32, 7);
    const wrapped = await kms.wrap(secret, 'subject:someone');
    expect(vault.controls.keyVersions(keyName)).toBe(1);

    // Vault refuses a plain DELETE of a key whose config does not allow it.
    const plain = await fetch(`${vault.url}/v1/transit/keys/${keyName}`, { method: 'DELETE', headers: { 'x-vault-token': vault.token } });
    expect(plain.status).toBe(400);
    expect(((await plain.json()) as { errors: string[] }).errors.join()).toMatch(/deletion is not allowed/);
    expect(vault.controls.keyVersions(keyName)).toBe(1);

    await masterKeys.destroy(tenantId);
    expect(vault.controls.keyVersions(keyName)).toBe(0);
    await expect(kms.unwrap(wrapped, 'subject:someone')).rejects.toBeInstanceOf(KeyStoreError);
    await expect(masterKeys.forTenant(tenantId)).rejects.toBeInstanceOf(KeyStoreError);
    await expect(VaultTransitKms.connect({ address: vault.url, token: vault.token, keyName })).rejects.toThrow(/no Vault transit key/);

    // A retried offboarding passes here again: the key is already gone, and that is fine.
    await expect(stores().masterKeys.destroy(tenantId)).resolves.toBeUndefined();
    expect(await VaultTransitKms.destroy({ address: vault.url, token: vault.token, keyName })).toBe(false);
  });
});
