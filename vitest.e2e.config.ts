import { defineConfig } from 'vitest/config';

/** Janus + backend + Chromium, run inside a private network namespace (see tests/e2e/in-network-namespace.mjs). */
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.test.ts'],
    globalSetup: ['tests/e2e/global-setup.ts'],
    testTimeout: 90_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    // One worker runs the files in turn and keeps its loaded modules from one to the next.
    isolate: false,
  },
});
