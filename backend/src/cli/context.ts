import { ConfigError, loadConfig, type Config } from '../config.js';
import { openDatabase, type Database } from '../db/client.js';

/** Exit codes every command shares: 1 is a finding (a broken chain), 2 a usage error, 3 a failure to run. */
export const EXIT = { ok: 0, broken: 1, usage: 2, failed: 3 } as const;

/** Options every command that reads the database takes. */
export interface DatabaseOptions {
  databaseUrl?: string;
}

/** A usage or configuration problem: the message is for the operator, the exit code is 2. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

/**
 * The server's configuration (same environment, same defaults), with --database-url taking the
 * place of DATABASE_URL. With the embedded database, stop the server first: PGlite's data
 * directory is one process's at a time.
 */
export function cliConfig(options: DatabaseOptions, env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(options.databaseUrl ? { ...env, DATABASE_URL: options.databaseUrl } : env);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliUsageError(error.message);
    throw error;
  }
}

/** Runs `work` with the configured database open, and closes it whatever happens. */
export async function withDatabase<T>(config: Config, work: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase({ url: config.databaseUrl, poolSize: config.databasePoolSize, dataDir: config.dataDir });
  try {
    return await work(database);
  } finally {
    await database.close();
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function tenantIdOption(value: string): string {
  if (!UUID.test(value)) throw new CliUsageError('--tenant must be a tenant id (a uuid)');
  return value.toLowerCase();
}

export function requestIdArgument(value: string): string {
  if (!UUID.test(value)) throw new CliUsageError('<requestId> must be a data-subject request id (a uuid)');
  return value.toLowerCase();
}
