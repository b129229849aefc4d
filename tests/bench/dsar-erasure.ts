// Erasure of a subject with many recordings: how long until nothing of theirs decrypts (the subject
// key is destroyed), and how long until every blob is removed, checked gone and audited. Rows and
// sparse files in the local store stand in for the media (the store deletes a 10 MiB sparse file
// as it would a full one; only the key hierarchy must be real). PGlite by default.
// Run alone: `node --import tsx tests/bench/dsar-erasure.ts [recordings] [MiB each]` prints JSON.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { openEncryptedFile } from '../../media/encryption/format.js';
import { subjectKeys } from '../../backend/src/db/schema/index.js';
import { newLeaseOwner } from '../../backend/src/services/recordings/claim.js';
import { unwrapRecordingKey } from '../../backend/src/services/recordings/keys.js';
import { runDsarJob } from '../../backend/src/services/dsar/run-request.js';
import { freshDatabase } from '../support/databases.js';
import { seedErasureSubject } from '../support/erasure-fixtures.js';
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
    const seeded = await seedErasureSubject(db, keysAndStores, dataDir, { count, bytesEach: mibEach * 2 ** 20 });
    const { tenantId, storeRoot, subjectRow } = seeded;
    const customer = { id: seeded.customerId };
    const request = seeded.request;
    const sampleRow = seeded.sample.row;
    const sample = seeded.sample.bytes;
    const size = mibEach * 2 ** 20;

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
      request.id,
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
        unwrapRecordingKey(keysAndStores.masterKeys, { id: sampleRow.id!, tenantId, wrappedKey: sampleRow.wrappedKey! }, subjectRow),
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
