// Access-request export: the subject's recordings decrypted, zipped and age-encrypted into one
// bundle, against the floor of reading the same stored bytes (`cat` to /dev/null, in the same run),
// and the resident memory the export adds. Measured twice: from the disk (the page cache dropped
// before the floor and before the export; needs root) and from the page cache. Run alone:
// `node --expose-gc --import tsx tests/bench/dsar-export.ts [recordings] [MiB each]` prints JSON.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { encryptStream } from '../../media/encryption/format.js';
import { calls, cases, customers, dsarRequests, meetingTypes, recordings } from '../../backend/src/db/schema/index.js';
import { runAccessRequest } from '../../backend/src/services/dsar/export/run-access-request.js';
import { recordingKeyFor } from '../../backend/src/services/recordings/keys.js';
import { freshDatabase } from '../support/databases.js';
import { localStores, seedTenant } from '../support/recording-fixtures.js';

interface ExportRun {
  exportSeconds: number;
  exportMiBps: number;
  readMiBps: number;
  ratio: number;
  rssGrowthMiB: number;
}

export interface DsarExportFigures {
  recordings: number;
  storedMiB: number;
  bundleMiB: number;
  /**
   * The other floor: writing as many bytes to the same disk and syncing them, as the export must
   * do with its bundle (`dd conv=fdatasync`). Where the disk writes slower than it reads, this
   * caps the export below the read floor whatever the CPU does.
   */
  durableWriteMiBps: number;
  /** Export and floor each after the page cache was dropped; null when the cache cannot be dropped (not root). */
  fromDisk: ExportRun | null;
  fromPageCache: ExportRun;
  goals: { throughputHalfOfDiskRead: boolean | null; rssGrowthUnder64MiB: boolean };
}

/** Writes dirty pages out and empties the page cache, so the next read comes from the disk. */
function dropPageCache(): boolean {
  try {
    execFileSync('sync');
    writeFileSync('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}

const MiB = 2 ** 20;
const round = (n: number) => Math.round(n * 100) / 100;

/** Plaintext that does not compress: a random block, varied per MiB so no two chunks repeat. */
function* plaintext(bytes: number): Generator<Buffer> {
  const block = randomBytes(MiB);
  for (let at = 0; at < bytes; at += MiB) {
    block.writeUInt32BE(at / MiB, 0);
    yield Buffer.from(block.subarray(0, Math.min(MiB, bytes - at)));
  }
}

export async function benchDsarExport(count = 100, mibEach = 20): Promise<DsarExportFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-dsar-'));
  const database = await freshDatabase('pglite');
  try {
    const { db } = database;
    const keysAndStores = localStores(dataDir);
    const store = keysAndStores.stores.get('local')!;
    const tenant = await seedTenant(db, 'bench-dsar');
    const [type] = await db.select().from(meetingTypes).where(eq(meetingTypes.tenantId, tenant.tenantId)).limit(1);
    const [customer] = await db.insert(customers).values({ tenantId: tenant.tenantId, displayName: 'Bench Subject', email: 'subject@example.org' }).returning();
    const [kase] = await db.insert(cases).values({ tenantId: tenant.tenantId, host: 'zendesk', externalId: '1', customerId: customer!.id }).returning();
    const files: string[] = [];
    let storedBytes = 0;
    for (let n = 0; n < count; n += 1) {
      const [call] = await db
        .insert(calls)
        .values({ tenantId: tenant.tenantId, caseId: kase!.id, customerId: customer!.id, agentId: tenant.agentId, meetingTypeId: type!.id, state: 'ended', mediaNodeId: 'janus-1', mediaRoomId: n, mediaRoomPin: '0', mediaRoomSecret: 's', endedAt: new Date() })
        .returning();
      const [row] = await db
        .insert(recordings)
        .values({ tenantId: tenant.tenantId, callId: call!.id, caseId: kase!.id, customerId: customer!.id, rawDir: '/nonexistent', storageLocation: 'local', media: 'audio+video', keyId: `rk-${n}` })
        .returning();
      const key = await recordingKeyFor({ db, masterKeys: keysAndStores.masterKeys }, row!);
      const hash = createHash('sha256');
      const source = Readable.from(plaintext(mibEach * MiB)).on('data', (chunk: Buffer) => hash.update(chunk));
      const objectKey = `${tenant.tenantId}/${row!.id}.pmf`;
      const encrypted = source.pipe(encryptStream(key, row!.keyId));
      key.fill(0);
      // Setup only: one recording is held in memory to learn its stored size; the export under test holds none.
      const chunks: Buffer[] = [];
      for await (const chunk of encrypted as AsyncIterable<Buffer>) chunks.push(chunk);
      const body = Buffer.concat(chunks);
      await store.put(objectKey, Readable.from([body]), body.length);
      storedBytes += body.length;
      files.push(join(dataDir, 'store', objectKey));
      await db.update(recordings).set({ stage: 'done', objectKey, sizeBytes: body.length, mediaSha256: hash.digest('hex'), storedAt: new Date() }).where(eq(recordings.id, row!.id));
    }
    const [request] = await db
      .insert(dsarRequests)
      .values({ tenantId: tenant.tenantId, kind: 'access', customerId: customer!.id, subjectDigest: 'bench', verification: 'bench', dueAt: new Date(Date.now() + 86_400_000) })
      .returning();

    const run = async (cold: boolean): Promise<ExportRun | null> => {
      // Floor: the same stored bytes read and thrown away.
      if (cold && !dropPageCache()) return null;
      const catStart = performance.now();
      execFileSync('sh', ['-c', 'cat "$@" > /dev/null', 'cat', ...files]);
      const catSeconds = (performance.now() - catStart) / 1000;
      if (cold) dropPageCache();

      (globalThis as { gc?: () => void }).gc?.();
      const baseline = process.memoryUsage.rss();
      let peak = baseline;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
      const start = performance.now();
      const result = await runAccessRequest(
        { db, logger: pino({ level: 'silent' }), ...keysAndStores, publicBaseUrl: 'http://bench.invalid', dataDir },
        request!,
        async () => undefined,
      );
      const exportSeconds = (performance.now() - start) / 1000;
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage.rss());
      if (result.state !== 'completed') throw new Error('the export did not complete');
      bundleBytes = Number(result.outcome.sizeBytes);
      const exportMiBps = storedBytes / MiB / exportSeconds;
      const readMiBps = storedBytes / MiB / catSeconds;
      return { exportSeconds: round(exportSeconds), exportMiBps: round(exportMiBps), readMiBps: round(readMiBps), ratio: round(exportMiBps / readMiBps), rssGrowthMiB: round((peak - baseline) / MiB) };
    };
    let bundleBytes = 0;
    const writeStart = performance.now();
    execFileSync('dd', ['if=/dev/zero', `of=${join(dataDir, 'write-floor')}`, 'bs=1M', `count=${Math.ceil(storedBytes / MiB)}`, 'conv=fdatasync'], { stdio: 'ignore' });
    const durableWriteMiBps = round(storedBytes / MiB / ((performance.now() - writeStart) / 1000));
    rmSync(join(dataDir, 'write-floor'));
    const fromDisk = await run(true);
    const fromPageCache = (await run(false))!;
    return {
      recordings: count,
      storedMiB: round(storedBytes / MiB),
      bundleMiB: round(bundleBytes / MiB),
      durableWriteMiBps,
      fromDisk,
      fromPageCache,
      goals: {
        throughputHalfOfDiskRead: fromDisk ? fromDisk.ratio >= 0.5 : null,
        rssGrowthUnder64MiB: Math.max(fromDisk?.rssGrowthMiB ?? 0, fromPageCache.rssGrowthMiB) < 64,
      },
    };
  } finally {
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [count, mib] = process.argv.slice(2).map(Number);
  console.log(JSON.stringify(await benchDsarExport(count || undefined, mib || undefined), null, 2));
}
