import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { openDatabase, type Database } from '../../backend/src/db/client.js';
import { createDatabase } from './postgres-server.js';

export type DatabaseKind = 'pglite' | 'postgres';
export const databaseKinds: DatabaseKind[] = ['pglite', 'postgres'];

/** A migrated, empty database of the given kind, private to the calling suite. */
export async function freshDatabase(kind: DatabaseKind): Promise<Database> {
  const database =
    kind === 'pglite'
      ? await openDatabase({ dataDir: 'memory' })
      : await openDatabase({ url: createDatabase({ url: inject('postgresUrl'), stop: () => {} }, `t_${randomBytes(6).toString('hex')}`) });
  await database.migrate();
  return database;
}
