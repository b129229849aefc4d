import type { TestProject } from 'vitest/node';
import { startPostgres, type PostgresServer } from './postgres-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

let server: PostgresServer | undefined;

/** One private PostgreSQL server per test run; each suite creates its own database on it. */
export function setup(project: TestProject) {
  server = startPostgres();
  project.provide('postgresUrl', server.url);
}

export function teardown() {
  server?.stop();
}
