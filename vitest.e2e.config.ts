import { defineConfig } from 'vitest/config';

/** Janus + backend + Chromium, run inside a private network namespace (see tests/e2e/in-network-namespace.mjs). */
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.test.ts'],
    testTimeout: 90_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
