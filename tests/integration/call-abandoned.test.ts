import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaGateway } from '../../backend/src/ports/media-gateway.js';
import { calls, outboxMessages, participants } from '../../backend/src/db/schema/index.js';
import { ABANDONED_REASON, endAbandonedCalls } from '../../backend/src/services/calls/end-abandoned.js';
import { startTestStack } from '../support/test-app.js';

const MINUTE = 60_000;

describe('calls everyone left without ending them', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  let agent: string;
  let ticket = 0;
  const nudged: string[] = [];

  beforeAll(async () => {
    stack = await startTestStack('call-abandoned');
    agent = await stack.t.signIn();
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  /** A call both joined `minutesAgo` (and left, if `left`), running since: its room is real, and empty. */
  async function runningCall(minutesAgo: number, left: boolean) {
    ticket += 1;
    const { callId } = await stack.t.joinedCall(agent, 'support', `gone-${ticket}`);
    const then = new Date(Date.now() - minutesAgo * MINUTE);
    await stack.database.db.update(participants).set({ joinedAt: then, leftAt: left ? then : null }).where(eq(participants.callId, callId));
    await stack.database.db.update(calls).set({ state: 'active', startedAt: then }).where(eq(calls.id, callId));
    return callId;
  }

  const deps = (media: MediaGateway = stack.t.gateway) => ({ db: stack.database.db, media, logger: pino({ level: 'silent' }), onRecordingReady: (id: string) => void nudged.push(id) });
  const rowOf = async (callId: string) => (await stack.database.db.select().from(calls).where(eq(calls.id, callId)))[0]!;

  it('ends a call whose room has been empty and quiet, destroys the room and tells the ticket', async () => {
    const callId = await runningCall(10, true);
    const room = await rowOf(callId);
    expect(await endAbandonedCalls(deps(), 5 * MINUTE)).toEqual([callId]);
    expect(await rowOf(callId)).toMatchObject({ state: 'ended', endReason: ABANDONED_REASON, recordingActive: false });
    await expect(stack.t.gateway.listParticipants({ nodeId: room.mediaNodeId, roomId: room.mediaRoomId, secret: room.mediaRoomSecret })).rejects.toThrow();
    const [note] = await stack.database.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, `call:${callId}:abandoned`));
    expect(note).toBeDefined();
    // Once is enough: the next run finds nothing to do.
    expect(await endAbandonedCalls(deps(), 5 * MINUTE)).toEqual([]);
  });

  it('also ends one whose browsers vanished without saying they left', async () => {
    const callId = await runningCall(10, false);
    expect(await endAbandonedCalls(deps(), 5 * MINUTE)).toContain(callId);
  });

  it('leaves a call someone joined or left lately, or whose room still has someone in it', async () => {
    const recent = await runningCall(2, true);
    expect(await endAbandonedCalls(deps(), 5 * MINUTE)).not.toContain(recent);
    expect((await rowOf(recent)).state).toBe('active');

    const occupied = await runningCall(10, false);
    const someoneIn = Object.assign(Object.create(stack.t.gateway) as MediaGateway, { listParticipants: async () => [{ id: 1, publisher: true }] });
    expect(await endAbandonedCalls(deps(someoneIn), 5 * MINUTE)).not.toContain(occupied);
    expect((await rowOf(occupied)).state).toBe('active');
    // A media server that cannot answer ends nothing either.
    const unreachable = Object.assign(Object.create(stack.t.gateway) as MediaGateway, { listParticipants: async () => Promise.reject(new Error('down')) });
    expect(await endAbandonedCalls(deps(unreachable), 5 * MINUTE)).toEqual([]);
  });
});
