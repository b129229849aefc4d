import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../backend/src/db/client.js';
import { childBundleRoot } from './child-bundle.js';
import { createDatabase, startPostgres, type PostgresServer } from './postgres-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
    /** A migrated PostgreSQL database on that server that suites copy theirs from. */
    postgresTemplate: string;
    /** A file holding a migrated, empty PGlite data directory that suites load theirs from. */
    pgliteDump: string;
    /** Where this run's test workers write bundled child processes (see child-bundle.ts). */
    childBundleDir: string;
  }
}

let server: PostgresServer | undefined;
let dumpDir: string | undefined;
let bundleDir: string | undefined;

/**
 * One private PostgreSQL server per test run; each suite creates its own database on it. The
 * schema is migrated once here, for each kind, and suites start from copies of the result.
 */
export async function setup(project: TestProject) {
  server = startPostgres({ durable: false });
  const template = 'parley_migrated';
  const migrated = await openDatabase({ url: createDatabase(server, template) });
  await migrated.migrate();
  await migrated.close();
  project.provide('postgresUrl', server.url);
  project.provide('postgresTemplate', template);

  const pglite = await openDatabase({ dataDir: 'memory' });
  await pglite.migrate();
  dumpDir = mkdtempSync(join(tmpdir(), 'parley-pglite-'));
  const dumpFile = join(dumpDir, 'migrated.tar');
  writeFileSync(dumpFile, Buffer.from(await (await pglite.dump!()).arrayBuffer()));
  await pglite.close();
  project.provide('pgliteDump', dumpFile);

  mkdirSync(childBundleRoot, { recursive: true });
  bundleDir = mkdtempSync(join(childBundleRoot, 'run-'));
  project.provide('childBundleDir', bundleDir);
}

export function teardown() {
  server?.stop();
  if (dumpDir) rmSync(dumpDir, { recursive: true, force: true });
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
}
