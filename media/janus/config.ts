import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { JanusConfigError } from './errors.js';

export interface JanusConfigOptions {
  /** Folder that receives the four .jcfg files (created if missing). */
  dir: string;
  wsPort: number;
  httpPort: number;
  adminHttpPort: number;
  /** Address the WebSocket transport (backend signalling) binds to. */
  wsBindAddress: string;
  /** Address the HTTP transport (browser janus.js) binds to. */
  httpBindAddress: string;
  apiSecret: string;
  adminSecret: string;
  /** VideoRoom admin_key: only holders can create rooms. */
  adminKey: string;
  rtpPortRange: { min: number; max: number };
  /** Only gather ICE candidates on these interfaces (e.g. 'va'). */
  iceEnforceList?: string;
  ignoreMdns?: boolean;
  /** Project folder holding rec_dir folders; must stay writable for Janus. */
  recordingsRoot?: string;
  /** Janus module folder (plugins/, transports/, ...); detected when absent. */
  libDir?: string;
  /** CORS origin for the browser-facing HTTP transport; Janus allows any when unset. */
  allowOrigin?: string;
  debugLevel?: number;
}

export interface JanusConfigPaths {
  dir: string;
  /** Pass as `janus -C <mainConfig> -F <dir>`. */
  mainConfig: string;
}

const KEEP_PLUGINS = ['libjanus_videoroom.so'];
const KEEP_TRANSPORTS = ['libjanus_http.so', 'libjanus_websockets.so'];
const MODULE_KINDS = ['plugins', 'transports', 'events', 'loggers'] as const;
type ModuleKind = (typeof MODULE_KINDS)[number];

/** System folders Janus must never write recordings into (same spirit as the Debian sample). */
const SYSTEM_FOLDERS = [
  '/bin', '/boot', '/dev', '/etc', '/initrd', '/lib', '/lib32', '/lib64', '/proc',
  '/sbin', '/sys', '/usr', '/var', '/opt/janus/bin', '/opt/janus/etc',
  '/opt/janus/include', '/opt/janus/lib', '/opt/janus/lib32', '/opt/janus/lib64',
  '/opt/janus/sbin',
];

const MULTIARCH: Partial<Record<string, string>> = {
  x64: 'x86_64-linux-gnu',
  arm64: 'aarch64-linux-gnu',
};

export async function writeJanusConfig(opts: JanusConfigOptions): Promise<JanusConfigPaths> {
  validateOptions(opts);
  const libDir = opts.libDir ?? detectLibDir();
  const disabled = await listDisabledModules(libDir);
  const files: Record<string, string> = {
    'janus.jcfg': renderCoreConfig(opts, libDir, disabled),
    'janus.plugin.videoroom.jcfg': renderVideoroomConfig(opts),
    'janus.transport.http.jcfg': renderHttpConfig(opts),
    'janus.transport.websockets.jcfg': renderWebsocketsConfig(opts),
  };
  await mkdir(opts.dir, { recursive: true, mode: 0o700 });
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(opts.dir, name);
    // Secrets live in these files: owner-only, also when the file already existed.
    await writeFile(file, text, { mode: 0o600 });
    await chmod(file, 0o600);
  }
  return { dir: opts.dir, mainConfig: path.join(opts.dir, 'janus.jcfg') };
}

export function renderCoreConfig(
  opts: JanusConfigOptions,
  libDir: string,
  disabled: Record<ModuleKind, string[]>,
): string {
  const nat: string[] = ['nice_debug = false'];
  if (opts.iceEnforceList) nat.push(`ice_enforce_list = ${str(opts.iceEnforceList)}`);
  if (opts.ignoreMdns !== undefined) nat.push(`ignore_mdns = ${opts.ignoreMdns}`);
  return [
    section('general', [
      `configs_folder = ${str(opts.dir)}`,
      `plugins_folder = ${str(path.join(libDir, 'plugins'))}`,
      `transports_folder = ${str(path.join(libDir, 'transports'))}`,
      `events_folder = ${str(path.join(libDir, 'events'))}`,
      `loggers_folder = ${str(path.join(libDir, 'loggers'))}`,
      `debug_level = ${opts.debugLevel ?? 4}`,
      'debug_colors = false',
      'debug_timestamps = true',
      `api_secret = ${str(opts.apiSecret)}`,
      // Browsers carry per-participant tokens added over the Admin API; the backend uses api_secret.
      'token_auth = true',
      `admin_secret = ${str(opts.adminSecret)}`,
      'server_name = "parley-media"',
      'session_timeout = 60',
      'hide_dependencies = true',
      // Files only get their .mjr name once Janus has closed them.
      'recordings_tmp_ext = "tmp"',
      `protected_folders = [${protectedFolders(opts.recordingsRoot).map(str).join(', ')}]`,
    ]),
    section('media', [
      `rtp_port_range = ${str(`${opts.rtpPortRange.min}-${opts.rtpPortRange.max}`)}`,
    ]),
    section('nat', nat),
    section('plugins', [`disable = ${str(disabled.plugins.join(','))}`]),
    section('transports', [`disable = ${str(disabled.transports.join(','))}`]),
    section('loggers', [`disable = ${str(disabled.loggers.join(','))}`]),
    section('events', ['broadcast = false', `disable = ${str(disabled.events.join(','))}`]),
  ].join('\n');
}

export function renderVideoroomConfig(opts: JanusConfigOptions): string {
  return section('general', [
    `admin_key = ${str(opts.adminKey)}`,
    'lock_rtp_forward = true',
    'events = false',
    'string_ids = false',
  ]);
}

export function renderHttpConfig(opts: JanusConfigOptions): string {
  const cors = opts.allowOrigin ? [`allow_origin = ${str(opts.allowOrigin)}`, 'enforce_cors = true'] : [];
  return [
    section('general', [
      'events = false',
      'json = "compact"',
      'base_path = "/janus"',
      'http = true',
      `port = ${opts.httpPort}`,
      `ip = ${str(opts.httpBindAddress)}`,
      'https = false',
    ]),
    // The Admin API can add tokens and inspect every handle: loopback only.
    section('admin', [
      'admin_base_path = "/admin"',
      'admin_http = true',
      `admin_port = ${opts.adminHttpPort}`,
      'admin_ip = "127.0.0.1"',
      'admin_acl = "127."',
      'admin_https = false',
    ]),
    section('cors', cors),
  ].join('\n');
}

export function renderWebsocketsConfig(opts: JanusConfigOptions): string {
  return [
    section('general', [
      'events = false',
      'json = "compact"',
      'ws = true',
      `ws_port = ${opts.wsPort}`,
      `ws_ip = ${str(opts.wsBindAddress)}`,
      'wss = false',
    ]),
    section('admin', ['admin_ws = false', 'admin_wss = false']),
  ].join('\n');
}

/**
 * Janus matches protected folders by path prefix, so a system folder that contains
 * the recordings root (e.g. /var for /var/lib/parley) has to go, or every room's
 * rec_dir would be refused.
 */
export function protectedFolders(recordingsRoot?: string): string[] {
  if (!recordingsRoot) return SYSTEM_FOLDERS;
  const root = path.resolve(recordingsRoot);
  return SYSTEM_FOLDERS.filter((folder) => !root.startsWith(folder));
}

async function listDisabledModules(libDir: string): Promise<Record<ModuleKind, string[]>> {
  const keep = new Set([...KEEP_PLUGINS, ...KEEP_TRANSPORTS]);
  const result = {} as Record<ModuleKind, string[]>;
  for (const kind of MODULE_KINDS) {
    const entries = existsSync(path.join(libDir, kind)) ? await readdir(path.join(libDir, kind)) : [];
    // Janus only loads names ending in .so; the versioned symlinks are ignored.
    result[kind] = entries.filter((name) => name.endsWith('.so') && !keep.has(name)).sort();
  }
  for (const needed of [...KEEP_PLUGINS.map((n) => `plugins/${n}`), ...KEEP_TRANSPORTS.map((n) => `transports/${n}`)]) {
    if (!existsSync(path.join(libDir, needed))) {
      throw new JanusConfigError(`Janus module ${needed} not found under ${libDir}`);
    }
  }
  return result;
}

function detectLibDir(): string {
  const arch = MULTIARCH[process.arch];
  const candidates = [
    ...(arch ? [`/usr/lib/${arch}/janus`] : []),
    '/usr/lib/janus',
    '/usr/local/lib/janus',
    '/opt/janus/lib/janus',
  ];
  const found = candidates.find((dir) => existsSync(path.join(dir, 'plugins')));
  if (!found) {
    throw new JanusConfigError(`Janus modules not found in ${candidates.join(', ')}; pass libDir`);
  }
  return found;
}

function validateOptions(opts: JanusConfigOptions): void {
  for (const [name, value] of [
    ['apiSecret', opts.apiSecret],
    ['adminSecret', opts.adminSecret],
    ['adminKey', opts.adminKey],
  ] as const) {
    if (value.length < 16) throw new JanusConfigError(`${name} must be at least 16 characters`);
    if (value === 'janusoverlord' || value === 'janusrocks') {
      throw new JanusConfigError(`${name} must not be a Janus sample value`);
    }
  }
  const ports = [opts.wsPort, opts.httpPort, opts.adminHttpPort];
  if (!ports.every(isPort) || new Set(ports).size !== ports.length) {
    throw new JanusConfigError(`ports must be distinct and in 1-65535: ${ports.join(', ')}`);
  }
  const { min, max } = opts.rtpPortRange;
  if (!isPort(min) || !isPort(max) || min > max) {
    throw new JanusConfigError(`invalid RTP port range ${min}-${max}`);
  }
}

function isPort(n: number): boolean {
  return Number.isInteger(n) && n > 0 && n < 65536;
}

function section(name: string, lines: string[]): string {
  return `${name}: {\n${lines.map((l) => `\t${l}`).join('\n')}\n}\n`;
}

/** libconfig string literal; control characters could end the setting early. */
function str(value: string): string {
  if (/[\u0000-\u001f]/.test(value)) {
    throw new JanusConfigError('config values must not contain control characters');
  }
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
