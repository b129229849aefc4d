#!/usr/bin/env node
// `parley …` (npm run parley -- …): operator commands, run with tsx like the server.
// Reads the same environment as the server (DATABASE_URL, PARLEY_DATA_DIR, KMS settings).
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'backend', 'src', 'cli', 'main.ts'), ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
