import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { bundledChild } from '../support/child-bundle.js';

const MiB = 1024 * 1024;

it('encrypts and decrypts a 256 MiB stream with flat memory', { timeout: 120_000 }, async () => {
  // A process of its own: the resident memory measured is this stream's, whatever ran before.
  const child = await bundledChild('tests/support/memory-roundtrip-child.ts');
  const { stdout } = await promisify(execFile)(process.execPath, [child], { timeout: 110_000 });
  const run = JSON.parse(stdout) as { bytes: number; intact: boolean; growth: number };
  expect(run.bytes).toBe(256 * MiB);
  expect(run.intact).toBe(true);
  expect(run.growth).toBeLessThan(64 * MiB);
});
