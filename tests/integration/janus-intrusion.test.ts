import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalJanus, type LocalJanus } from '../../media/janus/local-node.js';
import { JanusNodeClient, type NewRoom } from '../../media/janus/node-client.js';
import { pluginData, ScriptedBrowser } from '../support/scripted-janus-browser.js';


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
    // room secret. No media flows here, so no file would be written either way: that nothing is
    // written with media flowing is checked end to end (tests/e2e/video-call.test.ts).
    expect(record).toMatchObject({ configured: 'ok' });
    const enable = pluginData(await browser.message({ request: 'enable_recording', room: room.roomId, record: true }));
    expect(enable).toMatchObject({ error_code: expect.any(Number) });
    const destroy = pluginData(await browser.message({ request: 'destroy', room: room.roomId }));
    expect(destroy).toMatchObject({ error_code: expect.any(Number) });
    const create = pluginData(await browser.message({ request: 'create', room: 777, is_private: false }));
    expect(create).toMatchObject({ error_code: expect.any(Number) });

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

describe('a room locked to its participants', () => {
  let base: string;
  let janus: LocalJanus;
  let client: JanusNodeClient;
  let room: NewRoom;
  const agent = `agent-${randomBytes(8).toString('hex')}`;
  const customer = `customer-${randomBytes(8).toString('hex')}`;
  const outsider = `outsider-${randomBytes(8).toString('hex')}`;

  beforeAll(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'parley-lock-'));
    janus = await startLocalJanus({ baseDir: path.join(base, 'node'), recordingsRoot: path.join(base, 'recordings') });
    client = new JanusNodeClient(janus.node);
    room = await client.createRoom({ recordingDir: path.join(base, 'recordings', 'raw', 'call-1'), publishers: 2 });
    for (const token of [agent, customer, outsider]) await client.addToken(token);
  });

  afterAll(async () => {
    await client?.close();
    await janus?.stop();
    if (base) await rm(base, { recursive: true, force: true });
  });

  async function joinAs(token: string, ptype: 'publisher' | 'subscriber', feed?: number) {
    const browser = new ScriptedBrowser(janus.node.browserUrl, token);
    expect((await browser.connect()).janus).toBe('success');
    const body = ptype === 'publisher' ? { display: 'x' } : { feed };
    return pluginData(await browser.message({ request: 'join', ptype, room: room.roomId, pin: room.pin, token, ...body }));
  }

  it('refuses a valid node token with the right pin once the room is locked to the two participants', async () => {
    const before = await joinAs(agent, 'publisher');
    expect(before).toMatchObject({ videoroom: 'joined' });
    await client.restrictRoom(room.roomId, room.secret, [agent, customer]);

    expect(await joinAs(customer, 'publisher')).toMatchObject({ videoroom: 'joined' });
    expect(await joinAs(outsider, 'publisher')).toMatchObject({ error_code: 433 });
    // Subscribing to a live publisher with an outsider's token is driven with real media in the e2e call test.
    expect(await joinAs(outsider, 'subscriber', before.id as number)).toMatchObject({ error_code: expect.any(Number) });
    expect(await client.listParticipants(room.roomId)).toHaveLength(2);
  });

  it('drops a kicked participant from the room', async () => {
    const people = await client.listParticipants(room.roomId);
    await client.kick(room.roomId, room.secret, people[0]!.id);
    expect((await client.listParticipants(room.roomId)).map((p) => p.id)).toEqual([people[1]!.id]);
    // Kicking someone who already left is not an error.
    await client.kick(room.roomId, room.secret, people[0]!.id);
  });
});
