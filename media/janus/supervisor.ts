import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { JanusStartError } from './errors.js';
import { requestServerInfo } from './ws-link.js';

export interface StartJanusOptions {
  /** Folder written by writeJanusConfig (holds janus.jcfg and the plugin/transport configs). */
  configDir: string;
  logFile: string;
  /**
   * WebSocket URL probed with an `info` request until Janus answers. The probe runs
   * in this process: with a network-namespace prefix, this process must be inside it too.
   */
  wsUrl: string;
  /** Prepended to the command, e.g. ['ip', 'netns', 'exec', 'parley-e2e']. */
  commandPrefix?: string[];
  binary?: string;
  startTimeoutMs?: number;
  /** Grace period after SIGTERM before SIGKILL. */
  stopTimeoutMs?: number;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedJanus {
  pid: number;
  /** Settles when the process ends, however it ends. */
  exited: Promise<ExitStatus>;
  stop(): Promise<void>;
}

export const JANUS_INSTALL_HINT = 'install it with `apt-get install -y janus janus-tools` (Debian/Ubuntu)';

export async function startJanus(opts: StartJanusOptions): Promise<ManagedJanus> {
  const binary = opts.binary ?? 'janus';
  if (!isExecutableOnPath(binary)) {
    throw new JanusStartError(`janus executable "${binary}" not found on PATH: ${JANUS_INSTALL_HINT}`);
  }
  await mkdir(path.dirname(opts.logFile), { recursive: true });
  const janusArgs = ['-C', path.join(opts.configDir, 'janus.jcfg'), '-F', opts.configDir, '-L', opts.logFile, '-N'];
  const [command, ...args] = [...(opts.commandPrefix ?? []), binary, ...janusArgs];
  // Janus prints config errors on stdout before its log file exists; -N keeps the rest in the file.
  const child = spawn(command as string, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = boundedOutput(child, 4096);
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });
  if (child.pid === undefined) {
    await exited;
    throw new JanusStartError(`could not spawn ${command}: ${output()}`);
  }
  track(child, exited);
  const stop = () => stopChild(child, exited, opts.stopTimeoutMs ?? 5000);
  try {
    await waitUntilReady(opts, exited);
  } catch (error) {
    // Read before stopping: shutdown lines would push the cause out of the tail.
    const tail = await readTail(opts.logFile, 3000);
    await stop();
    const reason = error instanceof Error ? error.message : String(error);
    throw new JanusStartError(`Janus did not start: ${reason}\n--- output ---\n${output()}\n--- log tail ---\n${tail}`);
  }
  return { pid: child.pid, exited, stop };
}

/** Asks the OS for a free TCP port; another process may take it before it is used. */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port assigned'));
      });
    });
  });
}

async function waitUntilReady(opts: StartJanusOptions, exited: Promise<ExitStatus>): Promise<void> {
  const deadline = Date.now() + (opts.startTimeoutMs ?? 15_000);
  let exit: ExitStatus | null = null;
  void exited.then((status) => (exit = status));
  let lastError = 'no answer yet';
  while (Date.now() < deadline) {
    if (exit) throw new Error(`process exited (${describeExit(exit)})`);
    const info = await requestServerInfo(opts.wsUrl, { timeoutMs: 1000 }).catch((error: Error) => {
      lastError = error.message;
      return null;
    });
    if (info && !info.plugins.includes('janus.plugin.videoroom')) {
      throw new Error(`VideoRoom plugin not loaded (plugins: ${info.plugins.join(', ') || 'none'})`);
    }
    if (info) return;
    await sleep(100);
  }
  throw new Error(`no answer to info on ${opts.wsUrl} within ${opts.startTimeoutMs ?? 15_000} ms (${lastError})`);
}

async function stopChild(child: ChildProcess, exited: Promise<ExitStatus>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(killer);
}

// Janus must not outlive us: a stray instance keeps its ports and any open recordings.
const live = new Set<ChildProcess>();
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function track(child: ChildProcess, exited: Promise<ExitStatus>): void {
  if (live.size === 0) {
    process.on('exit', killAll);
    for (const signal of SIGNALS) process.on(signal, onSignal);
  }
  live.add(child);
  void exited.then(() => {
    live.delete(child);
    if (live.size === 0) untrackAll();
  });
}

function untrackAll(): void {
  process.off('exit', killAll);
  for (const signal of SIGNALS) process.off(signal, onSignal);
}

function killAll(): void {
  for (const child of live) child.kill('SIGTERM');
}

function onSignal(signal: NodeJS.Signals): void {
  killAll();
  untrackAll();
  // Our listener replaced Node's default of exiting; restore it unless someone else handles the signal.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function isExecutableOnPath(binary: string): boolean {
  const candidates = binary.includes('/')
    ? [binary]
    : (process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, binary));
  return candidates.some((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function boundedOutput(child: ChildProcess, limit: number): () => string {
  let text = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      text = (text + chunk).slice(-limit);
    });
  }
  return () => text.trim();
}

export async function readTail(file: string, bytes: number): Promise<string> {
  try {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      const start = Math.max(0, size - bytes);
      const buffer = Buffer.alloc(size - start);
      await handle.read(buffer, 0, buffer.length, start);
      return buffer.toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return '(no log written)';
  }
}

function describeExit(exit: ExitStatus): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${String(exit.code)}`;
}
