import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { PgDialect, type PgDatabase, type PgQueryResultHKT, type PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { preparingStatements } from './prepared-statements.js';
import * as schema from './schema/index.js';

export type Schema = typeof schema;
/** The same drizzle API over PGlite and postgres.js. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Either the database or an open transaction: services compose inside one transaction. */
export type DbOrTx = Db | Tx;

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** Runs the committed migrations; safe to call on every start. */
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** PGlite only: the whole data directory as one uncompressed tarball, for `openDatabase({ dump })`. */
  dump?(): Promise<Blob>;
}

/** Column names in the database are the schema's in snake_case. */
const casing = 'snake_case';
/** Turns SQL that Parley composes itself into text and parameters, as the database objects do. */
export const dialect = new PgDialect({ casing });

export const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

/**
 * DATABASE_URL → PostgreSQL server, with `poolSize` connections (default 10); otherwise embedded
 * PGlite under `<dataDir>/db` (or in memory). An in-memory database can start from `dump`, a
 * PGlite data directory written by `Database.dump`, instead of an empty cluster.
 */
export async function openDatabase(options: { url?: string; poolSize?: number; dataDir?: string | 'memory'; dump?: Blob }): Promise<Database> {
  if (options.url) {
    const sql = postgres(options.url, { max: options.poolSize ?? 10, onnotice: () => {} });
    const db = drizzlePostgres(preparingStatements(sql), { schema, casing }) as unknown as Db;
    return {
      db,
      kind: 'postgres',
      migrate: () => migratePostgres(drizzlePostgres(sql, { schema, casing }), { migrationsFolder }),
      ping: async () => {
        await sql`select 1`;
      },
      close: () => sql.end({ timeout: 5 }),
    };
  }
  let client: PGlite;
  if (!options.dataDir || options.dataDir === 'memory') {
    client = new PGlite(options.dump ? { loadDataDir: options.dump } : {});
  } else {
    const dir = join(options.dataDir, 'db');
    mkdirSync(dir, { recursive: true });
    client = new PGlite(dir);
  }
  await client.waitReady;
  const pglite = drizzlePglite(client, { schema, casing });
  return {
    db: pglite as unknown as Db,
    kind: 'pglite',
    migrate: () => migratePglite(pglite, { migrationsFolder }),
    ping: async () => {
      await client.query('select 1');
    },
    close: () => client.close(),
    dump: () => client.dumpDataDir('none'),
  };
}
