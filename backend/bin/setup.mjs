#!/usr/bin/env node
// First-run set-up shared by `npm start` and `npm test`. Plain Node (no dependencies),
// because it runs before `npm ci` may have happened. Idempotent and quick when nothing is missing.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const purpose = process.argv[2] === 'test' ? 'test' : 'start';

function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function run(command, args, options = {}) {
  console.log(`parley setup: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.status !== 0) {
    console.error(`parley setup: "${command} ${args.join(' ')}" failed (exit ${result.status}).`);
    process.exit(result.status ?? 1);
  }
}

/** System packages from Debian: binary to look for → package that provides it. */
const systemNeeds = [
  ['janus', 'janus'],
  ['janus-pp-rec', 'janus-tools'],
  ['ffmpeg', 'ffmpeg'],
  ['ffprobe', 'ffmpeg'],
  ...(purpose === 'test'
    ? [
        ['chromium', 'chromium'],
        ['ip', 'iproute2'],
        ['/usr/lib/postgresql/15/bin/initdb', 'postgresql'],
      ]
    : []),
];

const missing = [...new Set(systemNeeds.filter(([bin]) => (bin.startsWith('/') ? !existsSync(bin) : !onPath(bin))).map(([, pkg]) => pkg))];
if (missing.length > 0) {
  const isRoot = process.getuid?.() === 0;
  if (isRoot && onPath('apt-get')) {
    run('apt-get', ['update', '-qq']);
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } else {
    console.error(`parley setup: missing system packages: ${missing.join(' ')}`);
    console.error(`Install them with:  sudo apt-get install -y ${missing.join(' ')}   (Debian 12 / Ubuntu)`);
    process.exit(1);
  }
}

const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

/** Rebuilds the browser bundle only when a plugin source is newer than the last build. */
function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}
const builtMarker = join(root, 'plugin', 'dist', 'call.html');
if (!existsSync(builtMarker) || statSync(builtMarker).mtimeMs < newestMtime(join(root, 'plugin'))) {
  run('npx', ['vite', 'build', '--config', 'plugin/vite.config.ts', '--logLevel', 'warn']);
}
