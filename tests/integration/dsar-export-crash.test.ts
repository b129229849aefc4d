import { mkdtempSync, rmSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../backend/src/db/client.js';
import { customers, dsarExports, dsarRequests } from '../../backend/src/db/schema/index.js';
import type { BlobStore } from '../../backend/src/ports/blob-store.js';
import { issueExportLink } from '../../backend/src/services/dsar/export/issue-link.js';
import { runAccessRequest } from '../../backend/src/services/dsar/export/run-access-request.js';
import { DEFAULT_EXPORT_TTL_SECONDS } from '../../backend/src/services/dsar/export/settings.js';
import { sweepExpiredExports } from '../../backend/src/services/dsar/export/sweep-expired.js';
import { databaseKinds, freshDatabase } from '../support/databases.js';
import { localStores, seedTenant } from '../support/recording-fixtures.js';

/**
 * The local store of a process that dies once the bundle and its wrapped passphrase are stored:
 * the write of the passphrase goes through, and nothing after it ever runs (no catch, no finally).
 */
function dyingAfterSecretStored(inner: BlobStore) {
  let died!: () => void;
  const dead = new Promise<void>((resolve) => (died = resolve));
  const store: BlobStore = {
    location: inner.location,
    region: inner.region,
    async put(key, body, size) {
      await inner.put(key, body, size);
      if (key.startsWith('exports/') && key.endsWith('.key')) {
        died();
        await new Promise<never>(() => {});
      }
    },
    putFile: (key, file) => inner.putFile(key, file),
    head: (key) => inner.head(key),
    open: (key) => inner.open(key),
    delete: (key) => inner.delete(key),
  };
  return { store, dead };
}

describe.each(databaseKinds)('an access export interrupted by a crash on %s', (kind) => {
  let database: Database;
  let dataDir: string;
  let tenantId: string;
  let local: ReturnType<typeof localStores>;
  const logger = pino({ level: 'silent' });
  const noProgress = async () => {};

  const deps = (stores: ReadonlyMap<string, BlobStore>) => ({ db: database.db, logger, masterKeys: local.masterKeys, stores, publicBaseUrl: 'http://parley.test', dataDir });
  const storedExports = async () => (await readdir(join(dataDir, 'store', 'exports', tenantId)).catch(() => [] as string[])).sort();

  /** A new access request, and a run of it that dies right after storing its bundle and passphrase. */
  const requestCrashedMidExport = async () => {
    const [customer] = await database.db.insert(customers).values({ tenantId, displayName: 'Chris Customer', email: `${Math.random()}@example.org` }).returning();
    const [request] = await database.db
      .insert(dsarRequests)
      .values({ tenantId, kind: 'access', customerId: customer!.id, subjectDigest: 'digest', verification: 'checked', dueAt: new Date(Date.now() + 30 * 86_400_000) })
      .returning();
    const dying = dyingAfterSecretStored(local.stores.get('local')!);
    void runAccessRequest(deps(new Map([['local', dying.store]])), request!, noProgress);
    await dying.dead;
    return request!;
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'parley-dsar-export-crash-'));
    database = await freshDatabase(kind);
    local = localStores(dataDir);
  }, 60_000);

  // A tenant per case, so what one case leaves in the store cannot pass for another's.
  beforeEach(async () => {
    ({ tenantId } = await seedTenant(database.db, `acme-${Math.random().toString(36).slice(2)}`));
  });

  afterAll(async () => {
    await database?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('leaves, once the request is run again, exactly the one bundle its export row names', async () => {
    const request = await requestCrashedMidExport();
    expect(await storedExports()).toHaveLength(2);
    const operator = { operator: true as const, tenantId };
    await expect(issueExportLink(deps(local.stores), operator, request.id)).rejects.toMatchObject({ code: 'EXPORT_NOT_READY' });

    const result = await runAccessRequest(deps(local.stores), request, noProgress);

    const rows = await database.db.select().from(dsarExports).where(eq(dsarExports.requestId, request.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.sizeBytes).toBeGreaterThan(0);
    expect(result.outcome).toMatchObject({ exportId: rows[0]!.id });
    expect(rows[0]!.objectKey).toBe(`exports/${tenantId}/${rows[0]!.id}.age`);
    expect(await storedExports()).toEqual([`${rows[0]!.id}.age`, `${rows[0]!.id}.key`]);
    const link = await issueExportLink(deps(local.stores), operator, request.id);
    expect(link).toMatchObject({ exportId: rows[0]!.id, sizeBytes: rows[0]!.sizeBytes });
    expect(link.passphrase).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{1,4})+$/);
  });

  it('leaves nothing once the expiry sweep has run, when the request is never run again', async () => {
    const request = await requestCrashedMidExport();
    expect(await storedExports()).toHaveLength(2);

    const later = new Date(Date.now() + DEFAULT_EXPORT_TTL_SECONDS * 1000 + 60_000);
    await sweepExpiredExports({ db: database.db, stores: local.stores, logger }, later);

    expect(await storedExports()).toEqual([]);
    expect(await database.db.select().from(dsarExports).where(eq(dsarExports.requestId, request.id))).toEqual([]);
  });
});
