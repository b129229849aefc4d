import { createServer, type Server } from 'node:net';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeJanusConfig } from '../../media/janus/config.js';
import { startLocalJanus } from '../../media/janus/local-node.js';
import { JanusStartError } from '../../media/janus/errors.js';
import { findFreePort, startJanus } from '../../media/janus/supervisor.js';

const INSTALL_HINT = 'install it with `apt-get install -y janus janus-tools` (Debian/Ubuntu)';

describe('startJanus through a command prefix', () => {
  it('runs Janus under the prefix (as `ip netns exec` would) and stops it', async () => {
    const base = await mkdtemp(path.join(tmpdir(), 'parley-prefix-'));
    try {
      // `env` execs its command like `ip netns exec` does, so the pid is Janus itself.
      const janus = await startLocalJanus({ baseDir: base, commandPrefix: ['env'] });
      const cmdline = (await readFile(`/proc/${janus.pid}/cmdline`, 'utf8')).split('\0');
      expect(cmdline[0]).toBe('janus');
      await janus.stop();
      expect(await janus.exited).toEqual({ code: 0, signal: null });
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});

describe('startJanus when Janus cannot come up', () => {
  let base: string;

  beforeAll(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'parley-supervisor-'));
  });

  afterAll(async () => {
    if (base) await rm(base, { recursive: true, force: true });
  });

  it('tells how to install Janus when it is not on PATH', async () => {
    const savedPath = process.env.PATH;
    process.env.PATH = path.join(base, 'empty-bin');
    try {
      const start = startJanus({ configDir: base, logFile: path.join(base, 'x.log'), wsUrl: 'ws://127.0.0.1:1' });
      await expect(start).rejects.toBeInstanceOf(JanusStartError);
      await expect(start).rejects.toThrow(INSTALL_HINT);
    } finally {
      process.env.PATH = savedPath;
    }
  });

  it('reports what Janus printed when it exits on a broken config', async () => {
    const dir = path.join(base, 'broken');
    await mkdir(dir);
    await writeFile(path.join(dir, 'janus.jcfg'), 'general: { this is not libconfig');
    const start = startJanus({ configDir: dir, logFile: path.join(dir, 'janus.log'), wsUrl: 'ws://127.0.0.1:1' });
    await expect(start).rejects.toThrow(/process exited[\s\S]*Error reading configuration/);
  });

  describe('with its WebSocket port already taken', () => {
    let squatter: Server;
    let wsPort: number;

    beforeAll(async () => {
      wsPort = await findFreePort();
      squatter = createServer((socket) => socket.destroy());
      await new Promise<void>((resolve) => squatter.listen(wsPort, '127.0.0.1', resolve));
    });

    afterAll(async () => {
      await new Promise((resolve) => squatter.close(resolve));
    });

    it('gives up after the start timeout with the tail of the Janus log', async () => {
      const dir = path.join(base, 'taken');
      const [httpPort, adminHttpPort] = [await findFreePort(), await findFreePort()];
      await writeJanusConfig({
        dir, wsPort, httpPort, adminHttpPort, wsBindAddress: '127.0.0.1', httpBindAddress: '127.0.0.1',
        apiSecret: 'api-secret-for-this-test', adminSecret: 'admin-secret-for-this-test',
        adminKey: 'admin-key-for-this-test', rtpPortRange: { min: 42000, max: 42100 },
      });
      const start = startJanus({
        configDir: dir, logFile: path.join(dir, 'janus.log'), wsUrl: `ws://127.0.0.1:${wsPort}`, startTimeoutMs: 2000,
      });
      await expect(start).rejects.toThrow(/within 2000 ms[\s\S]*--- log tail ---[\s\S]*No WebSockets server started/);
    });
  });
});
