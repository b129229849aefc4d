import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';

export interface Machine {
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

function packageVersion(name: string): string {
  try {
    return (createRequire(import.meta.url)(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
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
    Janus: firstLine(() => execFileSync('janus', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0]!),
    PGlite: packageVersion('@electric-sql/pglite'),
    autocannon: packageVersion('autocannon'),
    hono: packageVersion('hono'),
    'drizzle-orm': packageVersion('drizzle-orm'),
  };
  if (postgresBin) software.PostgreSQL = firstLine(() => execFileSync(`${postgresBin}/postgres`, ['--version'], { encoding: 'utf8' }));
  return {
    cpu: cpuModel(),
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: osName(),
    node: process.version,
    software,
  };
}
