import { once } from 'node:events';
import { createInterface } from 'node:readline';

/**
 * What every worker run in a child process for a kill test starts with: its database and data
 * folder from the environment (the database on loopback, the suite's own), an exit when the parent
 * goes (stdin closes; an orphaned worker would take the next run's work), and `go`, which resolves
 * on the parent's first line: the child loads first and starts working only when told.
 */
export function workerChildSetup(): { databaseUrl: string; dataDir: string; go: Promise<unknown> } {
  const databaseUrl = process.env.DATABASE_URL;
  const dataDir = process.env.PARLEY_DATA_DIR;
  if (!databaseUrl || !dataDir) throw new Error('DATABASE_URL and PARLEY_DATA_DIR are required');
  if (new URL(databaseUrl).hostname !== '127.0.0.1') throw new Error('DATABASE_URL must point at 127.0.0.1');
  const commands = createInterface({ input: process.stdin });
  commands.on('close', () => process.exit(0));
  return { databaseUrl, dataDir, go: once(commands, 'line') };
}
