import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts'],
    globalSetup: ['tests/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two files at a time, one per core: every suite has its own databases, Janus and folders.
    fileParallelism: true,
    maxWorkers: 2,
    // A worker keeps its loaded modules from one file to the next instead of importing the whole
    // backend again for each. A suite that changes process-wide state puts it back in afterAll
    // (setAuditForwarding, PATH); vitest undoes stubbed globals.
    isolate: false,
    unstubGlobals: true,
    reporters: ['default'],
  },
});
