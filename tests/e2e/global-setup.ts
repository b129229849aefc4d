import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../backend/src/db/client.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A data dir whose `db` is an embedded database `npm start` created and migrated, for suites to copy. */
    migratedDataDir: string;
  }
}

let template: string | undefined;

/**
 * The embedded database of a first `npm start`, made once per run the way Parley makes it (initdb
 * and every migration take seconds); each suite's Parley starts on a copy, as on a later start.
 */
export async function setup(project: TestProject) {
  template = mkdtempSync(join(tmpdir(), 'parley-e2e-template-'));
  const database = await openDatabase({ dataDir: template });
  await database.migrate();
  await database.close();
  project.provide('migratedDataDir', template);
}

export function teardown() {
  if (template) rmSync(template, { recursive: true, force: true });
}
