import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';

/**
 * Connections to the benchmark's PostgreSQL server, which runs on this machine: twice its cores,
 * as README's DATABASE_POOL_SIZE advises. Parley and the bare-INSERT baseline both use it.
 */
export const BENCH_POOL_SIZE = 2 * availableParallelism();

export interface ChildServer {
  url: string;
  pid: number;
  /** The command line, as it goes into the report. */
  command: string;
  /** Everything the child wrote, for the error message when something goes wrong. */
  output(): string;
  stop(): Promise<void>;
}

export interface ChildServerOptions {
  /** Node arguments after `node`, e.g. ['--import', 'tsx', 'backend/src/main.ts']. */
  nodeArgs: string[];
  env: Record<string, string>;
  cwd: string;
  port: number;
  readyPath: string;
  startTimeoutMs?: number;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const OUTPUT_LIMIT = 20_000;

/**
 * Starts a server in its own Node process, so the load generator never shares
 * its event loop, and resolves once `readyPath` answers 200.
 */
export async function startChildServer(options: ChildServerOptions): Promise<ChildServer> {
  // Node itself, not `npx tsx`: one process whose pid is the server, so a signal reaches it directly.
  const child = spawn(process.execPath, options.nodeArgs, {
    env: { ...process.env, ...options.env },
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_LIMIT);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const url = `http://127.0.0.1:${options.port}`;
  const command = `node ${options.nodeArgs.join(' ')}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 90_000);
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  for (;;) {
    if (exitCode !== undefined) throw new Error(`${command} exited with ${exitCode} before it was ready:\n${output}`);
    if (Date.now() > deadline) {
      await stopChild(child, exited);
      throw new Error(`${command} was not ready within the start timeout:\n${output}`);
    }
    const ready = await fetch(url + options.readyPath, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    url,
    pid: child.pid!,
    command,
    output: () => output,
    stop: () => stopChild(child, exited),
  };
}

/** SIGTERM lets Parley stop its Janus nodes and close the database; SIGKILL only if it hangs. */
async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Parley as `npm start` runs it (demo sign-in, one managed Janus node, quiet logs)
 * in its own process, on PGlite in `dataDir` or on `databaseUrl`.
 */
export async function startParleyServer(options: { cwd: string; dataDir: string; databaseUrl?: string; nodeArgs?: string[] }): Promise<ChildServer> {
  const port = await freePort();
  return startChildServer({
    cwd: options.cwd,
    nodeArgs: [...(options.nodeArgs ?? []), '--import', 'tsx', 'backend/src/main.ts'],
    port,
    readyPath: '/readyz',
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      PARLEY_DATA_DIR: options.dataDir,
      PARLEY_DEMO: '1',
      JANUS_MODE: 'managed',
      JANUS_MANAGED_NODES: '1',
      LOG_LEVEL: 'warn',
      ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl, DATABASE_POOL_SIZE: String(BENCH_POOL_SIZE) } : {}),
    },
  });
}
