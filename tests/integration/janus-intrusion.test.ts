import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalJanus, type LocalJanus } from '../../media/janus/local-node.js';
import { JanusNodeClient, type NewRoom } from '../../media/janus/node-client.js';

type Reply = Record<string, unknown> & { janus: string; plugindata?: { data: Record<string, unknown> }; error?: { code: number; reason: string } };

/**
 * A browser as a hostile customer would script it: Janus' HTTP transport spoken by hand, with
 * whatever token it holds, asking the VideoRoom for things only the backend may do.
 */
class ScriptedBrowser {
  private session = 0;
  private handle = 0;

  constructor(
    private readonly url: string,
    private readonly token: string | undefined,
  ) {}

  private async post(pathname: string, body: Record<string, unknown>): Promise<Reply> {
    const transaction = randomBytes(6).toString('hex');
    const reply = await fetch(`${this.url}${pathname}`, {
      method: 'POST',
      body: JSON.stringify({ ...body, transaction, ...(this.token ? { token: this.token } : {}) }),
    });
    const answer = (await reply.json()) as Reply;
    if (answer.janus !== 'ack') return answer;
    // Plugin answers come as events on the long poll.
    for (let i = 0; i < 20; i++) {
      const poll = await fetch(`${this.url}/${this.session}?maxev=1${this.token ? `&token=${this.token}` : ''}`);
      const event = (await poll.json()) as Reply;
      if (event.transaction === transaction) return event;
    }
    throw new Error('no answer from the VideoRoom');
  }

  async connect(): Promise<Reply> {
    const created = await this.post('', { janus: 'create' });
    if (created.janus !== 'success') return created;
    this.session = (created.data as { id: number }).id;
    const attached = await this.post(`/${this.session}`, { janus: 'attach', plugin: 'janus.plugin.videoroom' });
    if (attached.janus === 'success') this.handle = (attached.data as { id: number }).id;
    return attached;
  }

  message(body: Record<string, unknown>): Promise<Reply> {
    return this.post(`/${this.session}/${this.handle}`, { janus: 'message', body });
  }
}

const pluginData = (reply: Reply) => reply.plugindata?.data ?? {};

describe('a scripted browser against a locked-down room', () => {
  let base: string;
  let janus: LocalJanus;
  let client: JanusNodeClient;
  let room: NewRoom;
  let other: NewRoom;
  let recordingDir: string;
  const token = `participant-${randomBytes(8).toString('hex')}`;

  beforeAll(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'parley-intrusion-'));
    janus = await startLocalJanus({ baseDir: path.join(base, 'node'), recordingsRoot: path.join(base, 'recordings') });
    client = new JanusNodeClient(janus.node);
    recordingDir = path.join(base, 'recordings', 'raw', 'call-1');
    await mkdir(recordingDir, { recursive: true });
    room = await client.createRoom({ recordingDir, publishers: 2 });
    other = await client.createRoom({ recordingDir: path.join(base, 'recordings', 'raw', 'call-2'), publishers: 2 });
    await client.addToken(token);
  });

  afterAll(async () => {
    await client?.close();
    await janus?.stop();
    if (base) await rm(base, { recursive: true, force: true });
  });

  it('cannot reach the VideoRoom without a token, or with one that was removed', async () => {
    expect((await new ScriptedBrowser(janus.node.browserUrl, undefined).connect()).error?.code).toBe(403);
    const revoked = `revoked-${randomBytes(8).toString('hex')}`;
    await client.addToken(revoked);
    await client.removeToken(revoked);
    expect((await new ScriptedBrowser(janus.node.browserUrl, revoked).connect()).error?.code).toBe(403);
  });

  it('cannot join a room without its pin, nor another call\u2019s room with its own', async () => {
    const browser = new ScriptedBrowser(janus.node.browserUrl, token);
    expect((await browser.connect()).janus).toBe('success');
    const noPin = pluginData(await browser.message({ request: 'join', ptype: 'publisher', room: room.roomId }));
    expect(noPin).toMatchObject({ videoroom: 'event', error_code: expect.any(Number) });
    const wrongRoom = pluginData(await browser.message({ request: 'join', ptype: 'publisher', room: other.roomId, pin: room.pin }));
    expect(wrongRoom).toMatchObject({ videoroom: 'event', error: expect.stringMatching(/pin/i) });
  });

  it('cannot switch the room\u2019s recording on, destroy the room, or create one', async () => {
    const browser = new ScriptedBrowser(janus.node.browserUrl, token);
    await browser.connect();
    const joined = pluginData(await browser.message({ request: 'join', ptype: 'publisher', room: room.roomId, pin: room.pin, display: 'x' }));
    expect(joined).toMatchObject({ videoroom: 'joined', room: room.roomId });

    const record = pluginData(await browser.message({ request: 'configure', record: true, filename: path.join(base, 'stolen') }));
    // Janus answers "configured" but keeps the recording state it had: lock_record without the
    // room secret. That nothing is written with media flowing is checked end to end.
    expect(record).toMatchObject({ configured: 'ok' });
    const enable = pluginData(await browser.message({ request: 'enable_recording', room: room.roomId, record: true }));
    expect(enable).toMatchObject({ error_code: expect.any(Number) });
    const destroy = pluginData(await browser.message({ request: 'destroy', room: room.roomId }));
    expect(destroy).toMatchObject({ error_code: expect.any(Number) });
    const create = pluginData(await browser.message({ request: 'create', room: 777, is_private: false }));
    expect(create).toMatchObject({ error_code: expect.any(Number) });

    expect(await readdir(recordingDir)).toEqual([]);
    expect((await readdir(base)).filter((name) => name.startsWith('stolen'))).toEqual([]);
    expect(await client.listParticipants(room.roomId)).toHaveLength(1);
  });

  it('cannot list the rooms there are', async () => {
    const browser = new ScriptedBrowser(janus.node.browserUrl, token);
    await browser.connect();
    const listed = pluginData(await browser.message({ request: 'list' }));
    const ids = ((listed.list as { room: number }[] | undefined) ?? []).map((r) => r.room);
    expect(ids).not.toContain(room.roomId);
    expect(ids).not.toContain(other.roomId);
  });
});
