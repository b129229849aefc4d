import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A private PostgreSQL server for one test run: temp data dir, listening on loopback only. */
export interface PostgresServer {
  url: string;
  stop(): void;
}

function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) throw new Error('PostgreSQL server binaries not found: apt-get install -y postgresql');
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  return join(root, versions[0]!, 'bin');
}

/**
 * `durable: false` (tests) turns off fsync and synchronous commit: a test never survives a crash
 * of the machine, and waiting for the disk on every commit only makes it slower. Benchmarks keep
 * the default, a server that waits for the disk as production does.
 */
export function startPostgres({ durable = true }: { durable?: boolean } = {}): PostgresServer {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'parley-pg-'));
  chmodSync(dir, 0o777);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const dataDir = join(dir, 'data');
  // initdb refuses to run as root: run the server as the postgres user.
  const asRoot = process.getuid?.() === 0;
  const run = (args: string[]) => {
    const command = [join(bin, args[0]!), ...args.slice(1)];
    const result = asRoot
      ? spawnSync('su', ['postgres', '-s', '/bin/sh', '-c', command.map((a) => `'${a}'`).join(' ')], { encoding: 'utf8' })
      : spawnSync(command[0]!, command.slice(1), { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${args[0]} failed: ${result.stderr || result.stdout}`);
  };
  run(['initdb', '-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const durability = durable ? '-c fsync=on' : '-c fsync=off -c synchronous_commit=off -c full_page_writes=off';
  run(['pg_ctl', '-D', dataDir, '-w', '-l', join(dir, 'server.log'), '-o', `-k ${dir} -p ${port} -c listen_addresses=127.0.0.1 ${durability}`, 'start']);
  run(['createdb', '-h', dir, '-p', String(port), '-U', 'postgres', 'parley']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/parley`,
    stop() {
      try {
        run(['pg_ctl', '-D', dataDir, '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Creates a fresh database on the server, as a copy of `template` if named, so suites never see each other's rows. */
export function createDatabase(server: PostgresServer, name: string, template?: string): string {
  execFileSync('psql', [server.url, '-c', `CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`], { stdio: 'pipe' });
  return server.url.replace(/\/parley$/, `/${name}`);
}
