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
    reporters: ['default'],
  },
});
