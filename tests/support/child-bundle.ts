import { mkdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { inject } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
/**
 * Inside the repository, so the bundle's package imports resolve to its node_modules: one folder
 * per test run (the global set-up makes it and removes it), one inside it per test worker.
 */
export const childBundleRoot = join(repoRoot, 'node_modules', '.cache', 'parley-test-children');

/**
 * Each module keeps its own `import.meta.url` (migrations folder, static files), as if it were
 * loaded from its file rather than from the bundle.
 */
const ownImportMetaUrl: Plugin = {
  name: 'own-import-meta-url',
  setup(builder) {
    builder.onLoad({ filter: /\.ts$/ }, async ({ path }) => ({
      contents: (await readFile(path, 'utf8')).replaceAll('import.meta.url', JSON.stringify(pathToFileURL(path).href)),
      loader: 'ts',
    }));
  },
};

const built = new Map<string, Promise<string>>();

/**
 * A child process's entry (under tests/support) as one JavaScript file: Parley's TypeScript bundled,
 * packages left for Node to load as they are. Run through tsx, every module a child loads goes
 * through tsx's loader thread, and the backend costs seconds of CPU to load; a kill test starts
 * dozens of children. Built once per test worker; run it with `node <file>`.
 */
export function bundledChild(entry: string): Promise<string> {
  let file = built.get(entry);
  if (!file) {
    file = (async () => {
      const outDir = join(inject('childBundleDir'), String(process.pid));
      await mkdir(outDir, { recursive: true });
      const outfile = join(outDir, `${basename(entry, '.ts')}.mjs`);
      await build({
        entryPoints: [join(repoRoot, entry)],
        outfile,
        bundle: true,
        packages: 'external',
        platform: 'node',
        format: 'esm',
        target: 'node20',
        sourcemap: 'inline',
        logLevel: 'error',
        plugins: [ownImportMetaUrl],
      });
      return outfile;
    })();
    built.set(entry, file);
  }
  return file;
}
