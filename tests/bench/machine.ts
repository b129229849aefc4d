import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface Machine {
  /** The code measured: commit, and whether the work tree differed from it. */
  revision: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  software: Record<string, string>;
}

function firstLine(read: () => string): string {
  try {
    return read().split('\n').find((line) => line.trim() !== '')?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return match?.[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function osName(): string {
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
    return `${pretty ?? os.type()} (kernel ${os.release()})`;
  } catch {
    return `${os.type()} ${os.release()}`;
  }
}

/** Read from the installed package itself: some packages do not export their package.json. */
function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(`${repoRoot}node_modules/${name}/package.json`, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Commit, and the tracked files that differ from it (with a digest of the diff, so any edit shows). */
export function revision(): string {
  const git = (...args: string[]) => execFileSync('git', ['-C', repoRoot, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 2 ** 20 });
  try {
    const commit = git('rev-parse', '--short', 'HEAD').trim();
    const changed = git('diff', 'HEAD', '--name-only').split('\n').filter(Boolean);
    if (changed.length === 0) return commit;
    const digest = createHash('sha256').update(git('diff', 'HEAD')).digest('hex').slice(0, 8);
    return `${commit} plus uncommitted changes to ${changed.length} tracked files (diff ${digest}: ${changed.join(', ')})`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

/** The same server binaries startPostgres() picks: the newest installed major version. */
function newestPostgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const newest = readdirSync(root).sort((a, b) => Number(b) - Number(a))[0];
  return newest ? `${root}/${newest}/bin` : undefined;
}

/** What ran the numbers: they mean little without it. */
export function describeMachine(): Machine {
  const postgresBin = newestPostgresBin();
  const software: Record<string, string> = {
    // `janus --version` prints its version and then exits with 1.
    Janus: firstLine(() => spawnSync('janus', ['--version'], { encoding: 'utf8' }).stdout.replace(/^Janus version:\s*/, '')),
    PGlite: packageVersion('@electric-sql/pglite'),
    autocannon: packageVersion('autocannon'),
    hono: packageVersion('hono'),
    'drizzle-orm': packageVersion('drizzle-orm'),
  };
  if (postgresBin) software.PostgreSQL = firstLine(() => execFileSync(`${postgresBin}/postgres`, ['--version'], { encoding: 'utf8' }));
  return {
    revision: revision(),
    cpu: cpuModel(),
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: osName(),
    node: process.version,
    software,
  };
}
