#!/usr/bin/env node
// `npm start`: set up what is missing, then run Parley with the demo page, embedded
// database and a Janus it starts itself. Every default can be overridden by the environment.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const setup = spawnSync(process.execPath, [join(root, 'backend', 'bin', 'setup.mjs'), 'start'], { stdio: 'inherit' });
if (setup.status !== 0) process.exit(setup.status ?? 1);

const env = { PARLEY_DEMO: '1', PARLEY_FAKE_VENDORS: '1', ...process.env };
const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'backend', 'src', 'main.ts')], { stdio: 'inherit', env, cwd: root });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
