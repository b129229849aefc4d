import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { protectedFolders, writeJanusConfig, type JanusConfigOptions } from '../../media/janus/config.js';
import { JanusConfigError } from '../../media/janus/errors.js';

const MODULES = {
  plugins: ['libjanus_videoroom.so', 'libjanus_echotest.so', 'libjanus_streaming.so', 'libjanus_sip.so'],
  transports: ['libjanus_http.so', 'libjanus_websockets.so', 'libjanus_pfunix.so', 'libjanus_mqtt.so'],
  events: ['libjanus_sampleevh.so', 'libjanus_wsevh.so'],
  loggers: ['libjanus_jsonlog.so'],
};

describe('writeJanusConfig', () => {
  let base: string;
  let libDir: string;
  const options = (dir: string, extra: Partial<JanusConfigOptions> = {}): JanusConfigOptions => ({
    dir,
    wsPort: 18188,
    httpPort: 18088,
    adminHttpPort: 17088,
    wsBindAddress: '127.0.0.1',
    httpBindAddress: '0.0.0.0',
    apiSecret: 'api-secret-0123456789',
    adminSecret: 'admin-secret-0123456789',
    adminKey: 'admin-key-0123456789',
    rtpPortRange: { min: 20000, max: 20100 },
    libDir,
    ...extra,
  });

  beforeAll(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'parley-config-'));
    libDir = path.join(base, 'lib');
    for (const [kind, names] of Object.entries(MODULES)) {
      await mkdir(path.join(libDir, kind), { recursive: true });
      for (const name of names) {
        await writeFile(path.join(libDir, kind, name), '');
        // Versioned names sit next to each module; Janus ignores them, so must we.
        await writeFile(path.join(libDir, kind, `${name}.1`), '');
      }
    }
  });

  afterAll(async () => {
    if (base) await rm(base, { recursive: true, force: true });
  });

  it('locks the core down: api secret, token auth, private admin secret, nothing but videoroom, http and websockets', async () => {
    const dir = path.join(base, 'locked');
    const { mainConfig } = await writeJanusConfig(options(dir, { iceEnforceList: 'va', ignoreMdns: true }));
    const core = await readFile(mainConfig, 'utf8');
    expect(core).toContain('api_secret = "api-secret-0123456789"');
    expect(core).toContain('token_auth = true');
    expect(core).toContain('admin_secret = "admin-secret-0123456789"');
    expect(core).not.toContain('janusoverlord');
    expect(core).toContain(`configs_folder = "${dir}"`);
    expect(core).toContain('disable = "libjanus_echotest.so,libjanus_sip.so,libjanus_streaming.so"');
    expect(core).toContain('disable = "libjanus_mqtt.so,libjanus_pfunix.so"');
    expect(core).toContain('disable = "libjanus_jsonlog.so"');
    expect(core).toMatch(/broadcast = false\s+disable = "libjanus_sampleevh.so,libjanus_wsevh.so"/);
    expect(core).toContain('ice_enforce_list = "va"');
    expect(core).toContain('ignore_mdns = true');
    expect(core).toContain('rtp_port_range = "20000-20100"');
  });

  it('binds the transports where asked but keeps the Admin API on loopback', async () => {
    const dir = path.join(base, 'binds');
    await writeJanusConfig(options(dir));
    const http = await readFile(path.join(dir, 'janus.transport.http.jcfg'), 'utf8');
    const ws = await readFile(path.join(dir, 'janus.transport.websockets.jcfg'), 'utf8');
    const videoroom = await readFile(path.join(dir, 'janus.plugin.videoroom.jcfg'), 'utf8');
    expect(http).toContain('ip = "0.0.0.0"');
    expect(http).toContain('port = 18088');
    expect(http).toContain('admin_http = true');
    expect(http).toContain('admin_ip = "127.0.0.1"');
    expect(http).toContain('admin_port = 17088');
    expect(ws).toContain('ws_ip = "127.0.0.1"');
    expect(ws).toContain('ws_port = 18188');
    expect(ws).toContain('admin_ws = false');
    expect(videoroom).toContain('admin_key = "admin-key-0123456789"');
  });

  it('writes files only the owner can read, since they hold secrets', async () => {
    const dir = path.join(base, 'modes');
    await writeJanusConfig(options(dir));
    for (const name of ['janus.jcfg', 'janus.transport.http.jcfg', 'janus.plugin.videoroom.jcfg']) {
      expect((await stat(path.join(dir, name))).mode & 0o077).toBe(0);
    }
  });

  it('refuses sample or short secrets and values that would break out of a string', async () => {
    await expect(writeJanusConfig(options(path.join(base, 'x'), { adminSecret: 'janusoverlord' }))).rejects.toBeInstanceOf(
      JanusConfigError,
    );
    await expect(writeJanusConfig(options(path.join(base, 'x'), { apiSecret: 'short' }))).rejects.toBeInstanceOf(
      JanusConfigError,
    );
    await expect(
      writeJanusConfig(options(path.join(base, 'x'), { apiSecret: 'line-1-0123456789\nadmin_secret = "x"' })),
    ).rejects.toBeInstanceOf(JanusConfigError);
    await expect(writeJanusConfig(options(path.join(base, 'x'), { httpPort: 18188 }))).rejects.toBeInstanceOf(
      JanusConfigError,
    );
  });

  it('escapes quotes in values', async () => {
    const dir = path.join(base, 'quotes');
    await writeJanusConfig(options(dir, { apiSecret: 'has"quote\\and-slash0' }));
    expect(await readFile(path.join(dir, 'janus.jcfg'), 'utf8')).toContain('api_secret = "has\\"quote\\\\and-slash0"');
  });
});

describe('protectedFolders', () => {
  it('keeps system folders protected', () => {
    expect(protectedFolders('/srv/parley/recordings')).toEqual(expect.arrayContaining(['/usr', '/var', '/etc']));
  });

  it('drops only the folder that would swallow the recordings root', () => {
    const folders = protectedFolders('/var/lib/parley/recordings');
    expect(folders).not.toContain('/var');
    expect(folders).toEqual(expect.arrayContaining(['/usr', '/etc', '/bin']));
  });
});
