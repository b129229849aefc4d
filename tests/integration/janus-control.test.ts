import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JanusRequestError, JanusUnavailableError } from '../../media/janus/errors.js';
import { startLocalJanus, type LocalJanus } from '../../media/janus/local-node.js';
import { JanusNodeClient } from '../../media/janus/node-client.js';
import { JanusPool } from '../../media/janus/pool.js';
import { startJanus, type ManagedJanus } from '../../media/janus/supervisor.js';

/** The first request a browser's janus.js sends over the HTTP transport. */
async function browserConnect(browserUrl: string, token?: string): Promise<Record<string, unknown>> {
  const reply = await fetch(browserUrl, {
    method: 'POST',
    body: JSON.stringify({ janus: 'create', transaction: 'browser-1', ...(token ? { token } : {}) }),
  });
  return (await reply.json()) as Record<string, unknown>;
}

describe('one Janus node, generated config', () => {
  let base: string;
  let janus: LocalJanus;
  let client: JanusNodeClient;
  let restarted: ManagedJanus | undefined;
  const room = () => client.createRoom({ recordingDir: path.join(base, 'recordings', 'raw', 'call'), publishers: 2 });

  beforeAll(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'parley-janus-'));
    janus = await startLocalJanus({ baseDir: path.join(base, 'node'), recordingsRoot: path.join(base, 'recordings') });
    client = new JanusNodeClient(janus.node);
  });

  afterAll(async () => {
    await client?.close();
    await janus?.stop();
    await restarted?.stop();
    if (base) await rm(base, { recursive: true, force: true });
  });

  it('loads only the VideoRoom plugin and the HTTP and WebSockets transports', async () => {
    const info = await client.info();
    expect(info.versionString).toBe('1.1.2');
    expect(info.plugins).toEqual(['janus.plugin.videoroom']);
    expect(info.transports.sort()).toEqual(['janus.transport.http', 'janus.transport.websockets']);
    const core = await readFile(path.join(janus.configDir, 'janus.jcfg'), 'utf8');
    expect(core).not.toContain('janusoverlord');
    expect(core).toMatch(/token_auth = true/);
  });

  it('creates a private room with pin and secret that starts with nobody in it', async () => {
    const created = await room();
    expect(Number.isSafeInteger(created.roomId)).toBe(true);
    expect(created.pin).not.toEqual(created.secret);
    expect(await client.listParticipants(created.roomId)).toEqual([]);
    await client.destroyRoom(created.roomId, created.secret);
  });

  it('switches recording only with the room secret', async () => {
    const created = await room();
    await client.setRecording(created.roomId, created.secret, true);
    await client.setRecording(created.roomId, created.secret, false);
    await expect(client.setRecording(created.roomId, 'not-the-secret', true)).rejects.toBeInstanceOf(JanusRequestError);
    await client.destroyRoom(created.roomId, created.secret);
  });

  it('counts rooms up on create and down on destroy; destroying twice is fine', async () => {
    const before = await client.countRooms();
    const a = await room();
    const b = await room();
    expect(await client.countRooms()).toBe(before + 2);
    await client.destroyRoom(a.roomId, a.secret);
    expect(await client.countRooms()).toBe(before + 1);
    await client.destroyRoom(a.roomId, a.secret);
    await client.destroyRoom(b.roomId, b.secret);
    expect(await client.countRooms()).toBe(before);
  });

  it('lets a browser in only with a token that is currently added', async () => {
    const token = `t-${Date.now()}`;
    expect(await browserConnect(janus.node.browserUrl)).toMatchObject({ janus: 'error', error: { code: 403 } });
    expect(await browserConnect(janus.node.browserUrl, token)).toMatchObject({ janus: 'error' });
    await client.addToken(token);
    expect(await browserConnect(janus.node.browserUrl, token)).toMatchObject({ janus: 'success' });
    await client.removeToken(token);
    expect(await browserConnect(janus.node.browserUrl, token)).toMatchObject({ janus: 'error', error: { code: 403 } });
  });

  it('refuses a backend with the wrong api secret', async () => {
    const intruder = new JanusNodeClient({ ...janus.node, apiSecret: 'wrong-api-secret-000000' });
    try {
      const refused = intruder.countRooms();
      await expect(refused).rejects.toBeInstanceOf(JanusRequestError);
      await expect(refused).rejects.toMatchObject({ code: 403 });
    } finally {
      await intruder.close();
    }
  });

  it('refuses Admin API calls with the wrong admin secret', async () => {
    const intruder = new JanusNodeClient({ ...janus.node, adminSecret: 'wrong-admin-secret-0000' });
    try {
      await expect(intruder.addToken('sneaky')).rejects.toMatchObject({ name: 'JanusRequestError', code: 403 });
    } finally {
      await intruder.close();
    }
  });

  it('fails fast while Janus is down and reconnects by itself once it is back', async () => {
    await janus.stop();
    await expect(client.countRooms()).rejects.toBeInstanceOf(JanusUnavailableError);
    await expect(client.info()).rejects.toBeInstanceOf(JanusUnavailableError);
    restarted = await startJanus({ configDir: janus.configDir, logFile: janus.logFile, wsUrl: janus.node.wsUrl });
    expect(await client.countRooms()).toBe(0);
  });
});

describe('JanusPool over two real nodes', () => {
  let base: string;
  const nodes: LocalJanus[] = [];
  let pool: JanusPool;
  const recordingDir = () => path.join(base, 'recordings', 'raw', `call-${Math.random().toString(36).slice(2)}`);

  beforeAll(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'parley-pool-'));
    for (const id of ['a', 'b']) {
      nodes.push(await startLocalJanus({ id, baseDir: path.join(base, id), recordingsRoot: path.join(base, 'recordings') }));
    }
    pool = new JanusPool({ nodes: nodes.map((n) => n.node), retryAfterMs: 60_000 });
  });

  afterAll(async () => {
    await pool?.close();
    await Promise.all(nodes.map((n) => n.stop()));
    if (base) await rm(base, { recursive: true, force: true });
  });

  it('spreads new rooms evenly over healthy nodes', async () => {
    const rooms = [];
    for (let i = 0; i < 4; i++) rooms.push(await pool.createRoom({ recordingDir: recordingDir(), publishers: 2 }));
    expect(rooms.filter((r) => r.nodeId === 'a')).toHaveLength(2);
    expect(rooms.filter((r) => r.nodeId === 'b')).toHaveLength(2);
    expect(await pool.health()).toEqual([
      { id: 'a', healthy: true, rooms: 2 },
      { id: 'b', healthy: true, rooms: 2 },
    ]);
    expect(pool.browserUrl('b')).toBe(nodes[1]?.node.browserUrl);
    const first = rooms[0]!;
    expect(await pool.listParticipants(first)).toEqual([]);
    await pool.destroyRoom(first);
  });

  it('keeps creating rooms on the surviving node when one node dies', async () => {
    const [a] = nodes;
    const roomsOnB = (await pool.health()).find((h) => h.id === 'b')!.rooms;
    process.kill(a!.pid, 'SIGKILL');
    await a!.exited;
    for (let i = 0; i < 3; i++) {
      const created = await pool.createRoom({ recordingDir: recordingDir(), publishers: 2 });
      expect(created.nodeId).toBe('b');
    }
    const health = await pool.health();
    expect(health.find((h) => h.id === 'a')).toMatchObject({ healthy: false });
    expect(health.find((h) => h.id === 'b')).toMatchObject({ healthy: true, rooms: roomsOnB + 3 });
    await expect(pool.addParticipantToken('a', 'tok')).rejects.toBeInstanceOf(JanusUnavailableError);
  });

  it('rejects createRoom with JanusUnavailableError when every node is down', async () => {
    const b = nodes[1]!;
    process.kill(b.pid, 'SIGKILL');
    await b.exited;
    await expect(pool.createRoom({ recordingDir: recordingDir(), publishers: 2 })).rejects.toBeInstanceOf(
      JanusUnavailableError,
    );
    // Both are now out of rotation: the next call must not wait on them either.
    await expect(pool.createRoom({ recordingDir: recordingDir(), publishers: 2 })).rejects.toBeInstanceOf(
      JanusUnavailableError,
    );
    expect((await pool.health()).map((h) => h.healthy)).toEqual([false, false]);
  });
});
