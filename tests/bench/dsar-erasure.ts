// Erasure of a subject with many recordings: how long until nothing of theirs decrypts (the subject
// key is destroyed), and how long until every blob is removed, checked gone and audited. Rows and
// sparse files in the local store stand in for the media (the store deletes a 10 MiB sparse file
// as it would a full one; only the key hierarchy must be real). PGlite by default.
// Run alone: `node --import tsx tests/bench/dsar-erasure.ts [recordings] [MiB each]` prints JSON.
import { randomUUID } from 'node:crypto';
import { mkdtemp, mkdir, open, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { encryptStream, openEncryptedFile } from '../../media/encryption/format.js';
import { keyContext, newDataKey, wrapKey } from '../../media/encryption/keys.js';
import { agents, calls, cases, customers, dsarRequests, meetingTypes, recordings, subjectKeys } from '../../backend/src/db/schema/index.js';
import { newLeaseOwner } from '../../backend/src/services/recordings/claim.js';
import { subjectKeyFor, unwrapRecordingKey } from '../../backend/src/services/recordings/keys.js';
import { runDsarJob } from '../../backend/src/services/dsar/run-request.js';
import { provisionTenant } from '../../backend/src/services/tenants/provision.js';
import { freshDatabase } from '../support/databases.js';
import { localStores } from '../support/recording-fixtures.js';

export interface ErasureFigures {
  recordings: number;
  blobBytes: number;
  /** From the start of the run until the subject key is destroyed: nothing of theirs decrypts from then on. */
  nothingDecryptsAfterMs: number;
  /** From the start of the run until the request is answered: every blob removed, checked gone and audited. */
  blobsGoneAfterMs: number;
  state: string;
  sampleStillDecrypts: boolean;
  filesLeft: number;
}

export async function benchErasure(count = 1_000, mibEach = 10): Promise<ErasureFigures> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'parley-bench-erasure-'));
  const database = await freshDatabase('pglite');
  const db = database.db;
  const keysAndStores = localStores(dataDir);
  try {
    const { tenantId } = await provisionTenant(db, { host: 'zendesk', externalAccountId: `bench-${randomUUID().slice(0, 8)}` });
    const [agent] = await db.insert(agents).values({ tenantId, host: 'zendesk', externalUserId: 'bench-agent', displayName: 'Bench Agent' }).returning();
    const [type] = await db.select().from(meetingTypes).where(eq(meetingTypes.key, 'consultation'));
    const [customer] = await db.insert(customers).values({ tenantId, displayName: 'Bench Subject', email: 'bench@example.org' }).returning();
    const subject = await subjectKeyFor({ db, masterKeys: keysAndStores.masterKeys }, tenantId, customer!.id);

    const storeRoot = path.join(dataDir, 'store');
    const size = mibEach * 2 ** 20;
    const caseIds: string[] = [];
    for (let n = 0; n < 10; n += 1) {
      const [kase] = await db.insert(cases).values({ tenantId, host: 'zendesk', externalId: String(900_000 + n), customerId: customer!.id }).returning();
      caseIds.push(kase!.id);
    }
    // One real encrypted blob, to show the erasure makes it unreadable; the rest are sparse stand-ins.
    const sampleKey = newDataKey();
    const sample = await buffer(Readable.from([Buffer.alloc(64 * 1024, 7)]).pipe(encryptStream(sampleKey, 'sample')));
    const rows: (typeof recordings.$inferInsert)[] = [];
    for (let n = 0; n < count; n += 1) {
      const id = randomUUID();
      const objectKey = `recordings/${id}.prly`;
      const key = n === 0 ? sampleKey : newDataKey();
      rows.push({
        id, tenantId, caseId: caseIds[n % caseIds.length]!, customerId: customer!.id, callId: randomUUID(), stage: 'done', rawDir: path.join(dataDir, 'raw', id),
        storageLocation: 'local', objectKey, keyId: n === 0 ? 'sample' : id, wrappedKey: wrapKey(subject.key, key, keyContext('recording', id)), subjectKeyId: subject.id,
        sizeBytes: n === 0 ? sample.length : size, storedAt: new Date(Date.now() - 86_400_000),
      });
      const file = path.join(storeRoot, objectKey);
      await mkdir(path.dirname(file), { recursive: true });
      if (n === 0) await writeFile(file, sample);
      else {
        const handle = await open(file, 'w');
        await handle.truncate(size);
        await handle.close();
      }
    }
    for (let n = 0; n < rows.length; n += 200) {
      const chunk = rows.slice(n, n + 200);
      await db.insert(calls).values(
        chunk.map((r) => ({
          id: r.callId!, tenantId, caseId: r.caseId!, customerId: customer!.id, agentId: agent!.id, meetingTypeId: type!.id, state: 'ended' as const,
          mediaNodeId: 'janus-1', mediaRoomId: 4242, mediaRoomPin: '0000', mediaRoomSecret: 'secret', endedAt: new Date(),
        })),
      );
      await db.insert(recordings).values(chunk);
    }
    subject.key.fill(0);
    const [request] = await db
      .insert(dsarRequests)
      .values({ tenantId, kind: 'erasure', customerId: customer!.id, subjectDigest: 'bench', verification: 'bench', dueAt: new Date(Date.now() + 30 * 86_400_000) })
      .returning();
    const sampleRow = rows[0]!;
    const [subjectRow] = await db.select().from(subjectKeys).where(eq(subjectKeys.customerId, customer!.id));

    const started = performance.now();
    let keyGoneAt: number | undefined;
    let running = true;
    // Watches for the moment the subject key row is gone, as any reader of the database would see it.
    const watcher = (async () => {
      while (running && keyGoneAt === undefined) {
        const [row] = await db.select({ masterKeyId: subjectKeys.masterKeyId }).from(subjectKeys).where(eq(subjectKeys.customerId, customer!.id));
        // Overwritten in place first (no master key unwraps it), the row removed later.
        if (!row || row.masterKeyId === 'destroyed') keyGoneAt = performance.now();
        else await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    const outcome = await runDsarJob(
      {
        db, logger: pino({ level: 'silent' }), ...keysAndStores, publicBaseUrl: 'http://parley.test', dataDir,
        lease: { owner: newLeaseOwner(), ms: 120_000 }, retry: { baseDelayMs: 1_000, maxDelayMs: 10_000 },
      },
      request!.id,
    );
    const finished = performance.now();
    running = false;
    await watcher;

    // A copy of the sample blob, with the recording row as it was before: no key Parley holds opens it.
    const [after] = await db.select().from(subjectKeys).where(eq(subjectKeys.customerId, customer!.id));
    let sampleStillDecrypts = false;
    if (after) {
      const reader = { read: async (b: Buffer, o: number, l: number, p: number) => ({ bytesRead: sample.copy(b, o, p, p + l) }), stat: async () => ({ size: sample.length }) };
      sampleStillDecrypts = await openEncryptedFile(reader, () =>
        unwrapRecordingKey(keysAndStores.masterKeys, { id: sampleRow.id!, tenantId, wrappedKey: sampleRow.wrappedKey! }, subjectRow!),
      ).then(() => true, () => false);
    }
    const filesLeft = (await readdir(path.join(storeRoot, 'recordings')).catch(() => [] as string[])).length;
    return {
      recordings: count,
      blobBytes: (count - 1) * size + sample.length,
      nothingDecryptsAfterMs: Math.round((keyGoneAt ?? finished) - started),
      blobsGoneAfterMs: Math.round(finished - started),
      state: outcome,
      sampleStillDecrypts,
      filesLeft,
    };
  } finally {
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [count, mib] = process.argv.slice(2).map(Number);
  console.log(JSON.stringify(await benchErasure(count || undefined, mib || undefined), null, 2));
}
