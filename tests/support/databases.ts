import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { inject } from 'vitest';
import { openDatabase, type Database } from '../../backend/src/db/client.js';
import { createDatabase } from './postgres-server.js';

export type DatabaseKind = 'pglite' | 'postgres';
export const databaseKinds: DatabaseKind[] = ['pglite', 'postgres'];

/**
 * A migrated, empty database of the given kind, private to the calling suite. Under vitest both
 * start from a copy the global set-up migrated once (a PGlite dump, a PostgreSQL template
 * database), so a suite does not pay for initdb and every migration again; `migrate()` then finds
 * nothing left to run. Benchmarks, which run outside vitest, get a PGlite migrated from empty.
 */
export async function freshDatabase(kind: DatabaseKind): Promise<Database> {
  const database =
    kind === 'pglite'
      ? await openDatabase({ dataDir: 'memory', dump: process.env.VITEST ? await migratedDump() : undefined })
      : await openDatabase({ url: freshPostgresUrl() });
  await database.migrate();
  return database;
}

let dump: Promise<Blob> | undefined;

/** The global set-up's PGlite dump, read once per test worker (its files share modules) rather than once per suite. */
function migratedDump(): Promise<Blob> {
  dump ??= readFile(inject('pgliteDump')).then((bytes) => new Blob([bytes]));
  return dump;
}

/** The URL of a new, migrated, empty database on the run's PostgreSQL server, for a suite that connects itself (or lets a child process). */
export function freshPostgresUrl(prefix = 't'): string {
  return createDatabase({ url: inject('postgresUrl'), stop: () => {} }, `${prefix}_${randomBytes(6).toString('hex')}`, inject('postgresTemplate'));
}
