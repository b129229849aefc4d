import { mkdtempSync, rmSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../backend/src/db/client.js';
import { auditEvents, customers, dsarExports, dsarRequests } from '../../backend/src/db/schema/index.js';
import type { BlobStore } from '../../backend/src/ports/blob-store.js';
import { claimDsarRequest } from '../../backend/src/services/dsar/claim.js';
import { createDsarWorker } from '../../backend/src/services/dsar/worker.js';
import { newLeaseOwner } from '../../backend/src/services/recordings/claim.js';
import { databaseKinds, freshDatabase } from '../support/databases.js';
import { localStores, seedTenant } from '../support/recording-fixtures.js';

/** The local store, with every export bundle's upload held until `release`: a slow disk or S3. */
function heldExportUploads(inner: BlobStore) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let reached!: () => void;
  const firstReached = new Promise<void>((resolve) => (reached = resolve));
  const state = { uploads: 0 };
  const store: BlobStore = {
    location: inner.location,
    region: inner.region,
    put: (key, body, size) => inner.put(key, body, size),
    async putFile(key, file) {
      if (key.startsWith('exports/')) {
        state.uploads += 1;
        reached();
        await released;
      }
      return inner.putFile(key, file);
    },
    head: (key) => inner.head(key),
    open: (key) => inner.open(key),
    delete: (key) => inner.delete(key),
  };
  return { store, state, firstReached, release };
}

describe.each(databaseKinds)('one data-subject worker on %s', (kind) => {
  let database: Database;
  let dataDir: string;
  let tenantId: string;

  const newAccessRequest = async () => {
    const [customer] = await database.db.insert(customers).values({ tenantId, displayName: 'Chris Customer', email: `${Math.random()}@example.org` }).returning();
    const [request] = await database.db
      .insert(dsarRequests)
      .values({ tenantId, kind: 'access', customerId: customer!.id, subjectDigest: 'digest', verification: 'checked', dueAt: new Date(Date.now() + 30 * 86_400_000) })
      .returning();
    return request!;
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'parley-dsar-worker-'));
    database = await freshDatabase(kind);
    ({ tenantId } = await seedTenant(database.db, 'acme'));
  }, 60_000);

  afterAll(async () => {
    await database?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('works a request once, and stops only after it, when nudges and polls arrive while it is being worked', async () => {
    const local = localStores(dataDir);
    const held = heldExportUploads(local.stores.get('local')!);
    const worker = createDsarWorker(
      {
        db: database.db,
        logger: pino({ level: 'silent' }),
        masterKeys: local.masterKeys,
        stores: new Map([['local', held.store]]),
        publicBaseUrl: 'http://parley.test',
        dataDir,
        lease: { owner: newLeaseOwner(), ms: 30_000 },
        retry: { baseDelayMs: 100, maxDelayMs: 400 },
      },
      { pollIntervalMs: 20 },
    );
    await worker.start();
    const request = await newAccessRequest();
    worker.nudge();
    await held.firstReached;
    // The request is mid-way (its bundle uploading) and still due: many polls and a nudge come by.
    for (let i = 0; i < 10; i++) {
      worker.nudge();
      await sleep(30);
    }
    // Stopping waits for the request in progress, however many polls came by meanwhile.
    let stopped = false;
    const stopping = worker.stop().then(() => (stopped = true));
    await sleep(200);
    expect(stopped).toBe(false);
    held.release();
    await stopping;
    const [row] = await database.db.select().from(dsarRequests).where(eq(dsarRequests.id, request.id));
    expect(row).toMatchObject({ state: 'completed', leaseOwner: null });

    expect(held.state.uploads).toBe(1);
    const actions = (await database.db.select().from(auditEvents).where(eq(auditEvents.subjectId, request.id)).orderBy(auditEvents.seq)).map((e) => e.action);
    expect(actions).toEqual(['dsar.started', 'dsar.export_prepared', 'dsar.completed']);
    const exports = await database.db.select().from(dsarExports).where(eq(dsarExports.requestId, request.id));
    expect(exports).toHaveLength(1);
    expect((await readdir(join(dataDir, 'store', 'exports', tenantId))).sort()).toEqual([`${exports[0]!.id}.age`, `${exports[0]!.id}.key`]);
  });

  it('does not give a worker a request it holds a live lease on, only one whose lease ran out', async () => {
    const request = await newAccessRequest();
    const owner = newLeaseOwner();
    // The database stamps the request due in microseconds; a clock read in the same millisecond
    // would be before it. One millisecond after is the earliest instant it is due.
    const now = new Date(request.nextAttemptAt.getTime() + 1);
    expect(await claimDsarRequest(database.db, request.id, owner, 30_000, now)).not.toBeNull();
    expect(await claimDsarRequest(database.db, request.id, owner, 30_000, new Date(now.getTime() + 1_000))).toBeNull();
    expect(await claimDsarRequest(database.db, request.id, owner, 30_000, new Date(now.getTime() + 30_000))).toMatchObject({ id: request.id, leaseOwner: owner });
  });
});
