import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { JanusUnavailableError } from '../../media/janus/errors.js';
import { randomRoomId } from '../../media/janus/node-client.js';
import { JanusPool, type JanusNodeConfig } from '../../media/janus/pool.js';
import { findFreePort } from '../../media/janus/supervisor.js';

/** A node nobody listens on: connections are refused at once. */
async function deadNode(id: string): Promise<JanusNodeConfig> {
  const port = await findFreePort();
  return {
    id,
    wsUrl: `ws://127.0.0.1:${port}`,
    adminUrl: `http://127.0.0.1:${port}/admin`,
    browserUrl: `http://127.0.0.1:${port}/janus`,
    apiSecret: 'api-secret-0123456789',
    adminSecret: 'admin-secret-0123456789',
    adminKey: 'admin-key-0123456789',
  };
}

describe('JanusPool without reachable nodes', () => {
  it('rejects createRoom with JanusUnavailableError and reports every node unhealthy', async () => {
    const pool = new JanusPool({ nodes: [await deadNode('x'), await deadNode('y')] });
    try {
      await expect(pool.createRoom({ recordingDir: '/tmp/unused', publishers: 2 })).rejects.toBeInstanceOf(
        JanusUnavailableError,
      );
      expect(await pool.health()).toEqual([
        { id: 'x', healthy: false, rooms: 0 },
        { id: 'y', healthy: false, rooms: 0 },
      ]);
    } finally {
      await pool.close();
    }
  });

  it('asks a failed node again only after the back-off', async () => {
    // Counts connection attempts and fails every one of them.
    let attempts = 0;
    const server = createServer((socket) => {
      attempts += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    let now = 1_000;
    const node = { ...(await deadNode('x')), wsUrl: `ws://127.0.0.1:${port}` };
    const pool = new JanusPool({ nodes: [node], retryAfterMs: 5_000, now: () => now });
    const create = () => pool.createRoom({ recordingDir: '/tmp/unused', publishers: 2 });
    try {
      await expect(create()).rejects.toThrow(/no healthy/);
      expect(attempts).toBe(1);
      now += 4_000;
      await expect(create()).rejects.toThrow(/no healthy/);
      expect(attempts).toBe(1);
      now += 1_000;
      await expect(create()).rejects.toThrow(/no healthy/);
      expect(attempts).toBe(2);
    } finally {
      await pool.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('routes by node id and refuses unknown ones', async () => {
    const node = await deadNode('x');
    const pool = new JanusPool({ nodes: [node] });
    expect(pool.browserUrl('x')).toBe(node.browserUrl);
    expect(() => pool.browserUrl('nope')).toThrow(JanusUnavailableError);
    await expect(pool.destroyRoom({ nodeId: 'nope', roomId: 1, secret: 's' })).rejects.toBeInstanceOf(
      JanusUnavailableError,
    );
    await pool.close();
  });
});

describe('randomRoomId', () => {
  it('stays a positive safe integer', () => {
    for (let i = 0; i < 1000; i++) {
      const id = randomRoomId();
      expect(Number.isSafeInteger(id) && id > 0).toBe(true);
    }
  });
});
