import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Database } from '../../backend/src/db/client.js';
import { recordAuditBatch, rowsOf } from '../../backend/src/services/audit/record.js';
import { tenants } from '../../backend/src/db/schema/index.js';
import { databaseKinds, freshPostgresUrl, type DatabaseKind } from '../support/databases.js';
import { parley } from '../support/cli.js';

// Each run starts Node and tsx afresh; on a busy two-core machine that takes seconds.
vi.setConfig({ testTimeout: 120_000 });


describe.each(databaseKinds)('parley audit CLI on %s', (kind: DatabaseKind) => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-cli-'));
  let url: string | undefined;
  let env: Record<string, string | undefined>;
  let tenantId: string;

  /** PGlite on disk is one process's at a time: the test opens it only between CLI runs. */
  async function withDb<T>(work: (database: Database) => Promise<T>): Promise<T> {
    const database = await openDatabase(url ? { url } : { dataDir: dir });
    try {
      return await work(database);
    } finally {
      await database.close();
    }
  }

  beforeAll(async () => {
    url = kind === 'postgres' ? freshPostgresUrl('cli') : undefined;
    env = { PARLEY_DATA_DIR: dir, DATABASE_URL: undefined, LOG_LEVEL: 'silent' };
    tenantId = await withDb(async (database) => {
      await database.migrate();
      const [{ id }] = await database.db.insert(tenants).values({ name: 'Acme' }).returning({ id: tenants.id }) as [{ id: string }];
      await recordAuditBatch(
        database.db,
        Array.from({ length: 30 }, (_, n) => ({ tenantId: id, actor: { kind: 'system' as const }, action: n % 3 === 0 ? 'cli.three' : 'cli.test', subjectType: 'thing', subjectId: `c-${n}`, details: { n } })),
      );
      return id;
    });
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const dbArgs = () => (url ? ['--database-url', url] : []);

  it('exits 0 and says the chain is intact', async () => {
    const run = await parley(['audit', 'verify', ...dbArgs()], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^audit chain intact: \d+ events in 1 tenant\(s\)/);
    const json = await parley(['audit', 'verify', '--tenant', tenantId, '--json', ...dbArgs()], env);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, tenants: 1, legacyEvents: 0 });
  });

  it('exports JSON Lines to a file and CSV to stdout, filtered, and records the export', async () => {
    const out = join(dir, 'audit.jsonl');
    const run = await parley(['audit', 'export', '--tenant', tenantId, '--format', 'jsonl', '--action', 'cli.three', '--out', out, ...dbArgs()], env);
    expect(run.code).toBe(0);
    const events = readFileSync(out, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { subjectId: string; action: string });
    expect(events.map((e) => e.subjectId)).toEqual(Array.from({ length: 10 }, (_, n) => `c-${n * 3}`));
    const csv = await parley(['audit', 'export', '--tenant', tenantId, '--format', 'csv', '--subject-id', 'c-4', ...dbArgs()], env);
    expect(csv.code).toBe(0);
    const [header, row, ...rest] = csv.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^id,seq,at,/);
    expect(row).toContain(',cli.test,thing,c-4,');
    expect(rest).toEqual([]);
    const recorded = await withDb(async (database) =>
      rowsOf<{ details: string }>(await database.db.execute(sql`SELECT details::text AS details FROM audit_events WHERE action = 'audit.exported' AND actor_type = 'system' ORDER BY id`)),
    );
    expect(recorded.map((r) => JSON.parse(r.details) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ via: 'cli', format: 'jsonl', filter_action: 'cli.three' }),
      expect.objectContaining({ via: 'cli', format: 'csv', filter_subjectId: 'c-4' }),
    ]);
  });

  it('refuses bad input with exit code 2 and says why', async () => {
    const run = await parley(['audit', 'verify', '--tenant', 'acme', ...dbArgs()], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--tenant must be a tenant id/);
    const format = await parley(['audit', 'export', '--tenant', tenantId, '--format', 'xml', ...dbArgs()], env);
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/xml/);
    const from = await parley(['audit', 'export', '--tenant', tenantId, '--from', 'last tuesday', ...dbArgs()], env);
    expect(from.code).toBe(2);
    expect(from.stderr).toMatch(/--from/);
  });

  it('exits 1 naming the first broken link after an event was changed in the database', async () => {
    const target = await withDb(async (database) => {
      const [row] = rowsOf<{ id: string | number; seq: string | number }>(
        await database.db.execute(sql`SELECT id, seq FROM audit_events WHERE tenant_id = ${tenantId}::uuid AND subject_id = 'c-17'`),
      );
      await database.db.execute(sql.raw('ALTER TABLE audit_events DISABLE TRIGGER USER'));
      await database.db.execute(sql`UPDATE audit_events SET details = '{"n": 1700}' WHERE id = ${Number(row!.id)}`);
      await database.db.execute(sql.raw('ALTER TABLE audit_events ENABLE TRIGGER USER'));
      return { id: Number(row!.id), seq: Number(row!.seq) };
    });
    const run = await parley(['audit', 'verify', ...dbArgs()], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`audit chain BROKEN: tenant ${tenantId}, seq ${target.seq}, event id ${target.id}: hash_mismatch`);
    const json = await parley(['audit', 'verify', '--json', '--tenant', tenantId, ...dbArgs()], env);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, firstBroken: { tenantId, seq: target.seq, id: target.id, reason: 'hash_mismatch' } });
  });
});
