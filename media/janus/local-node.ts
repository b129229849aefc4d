import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { writeJanusConfig } from './config.js';
import type { JanusNodeConfig } from './pool.js';
import { findFreePort, startJanus, type ExitStatus } from './supervisor.js';

export interface LocalJanusOptions {
  id?: string;
  /** Holds conf/ and janus.log for this node. */
  baseDir: string;
  /** Folder under which rooms' rec_dir live; kept out of protected_folders. */
  recordingsRoot?: string;
  /** Address the browser-facing HTTP transport binds to; signalling and the Admin API stay on 127.0.0.1. */
  bindAddress?: string;
  /** Host put in browserUrl when bindAddress is a wildcard. */
  publicHost?: string;
  rtpPortRange?: { min: number; max: number };
  iceEnforceList?: string;
  ignoreMdns?: boolean;
  allowOrigin?: string;
  commandPrefix?: string[];
  startTimeoutMs?: number;
}

export interface LocalJanus {
  /** Ready to hand to JanusPool / JanusNodeClient. */
  node: JanusNodeConfig;
  pid: number;
  configDir: string;
  logFile: string;
  exited: Promise<ExitStatus>;
  stop(): Promise<void>;
}

/** Fresh secrets, free ports, a generated config and a supervised Janus: one call. */
export async function startLocalJanus(opts: LocalJanusOptions): Promise<LocalJanus> {
  const bindAddress = opts.bindAddress ?? '127.0.0.1';
  const host = opts.publicHost ?? (isWildcard(bindAddress) ? '127.0.0.1' : bindAddress);
  const probeHost = isWildcard(bindAddress) ? '127.0.0.1' : bindAddress;
  const [wsPort, httpPort, adminHttpPort] = await distinctFreePorts(3, probeHost);
  const secrets = { apiSecret: secret(), adminSecret: secret(), adminKey: secret() };
  const configDir = path.join(opts.baseDir, 'conf');
  const logFile = path.join(opts.baseDir, 'janus.log');
  await writeJanusConfig({
    dir: configDir,
    wsPort,
    httpPort,
    adminHttpPort,
    // Signalling carries the API secret: a local node only ever needs it on loopback.
    wsBindAddress: '127.0.0.1',
    httpBindAddress: bindAddress,
    ...secrets,
    rtpPortRange: opts.rtpPortRange ?? { min: 20000, max: 40000 },
    ...(opts.iceEnforceList ? { iceEnforceList: opts.iceEnforceList } : {}),
    ...(opts.ignoreMdns !== undefined ? { ignoreMdns: opts.ignoreMdns } : {}),
    ...(opts.recordingsRoot ? { recordingsRoot: opts.recordingsRoot } : {}),
    ...(opts.allowOrigin ? { allowOrigin: opts.allowOrigin } : {}),
  });
  const wsUrl = `ws://127.0.0.1:${wsPort}`;
  const janus = await startJanus({
    configDir,
    logFile,
    wsUrl,
    ...(opts.commandPrefix ? { commandPrefix: opts.commandPrefix } : {}),
    ...(opts.startTimeoutMs ? { startTimeoutMs: opts.startTimeoutMs } : {}),
  });
  return {
    node: {
      id: opts.id ?? 'janus-1',
      wsUrl,
      adminUrl: `http://127.0.0.1:${adminHttpPort}/admin`,
      browserUrl: `http://${urlHost(host)}:${httpPort}/janus`,
      ...secrets,
    },
    pid: janus.pid,
    configDir,
    logFile,
    exited: janus.exited,
    stop: janus.stop,
  };
}

async function distinctFreePorts(count: number, host: string): Promise<[number, number, number]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await findFreePort(host));
  return [...ports] as [number, number, number];
}

function secret(): string {
  return randomBytes(24).toString('base64url');
}

function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
