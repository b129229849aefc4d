import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { calls, participants } from '../../db/schema/index.js';
import { recordAudit } from '../audit/record.js';
import { notes } from '../consent/notes.js';
import { noteOnTicket } from '../outbox/ticket-note.js';
import { beginRecording, stopRecordingIfUncommitted } from '../recordings/begin.js';
import type { ServiceDeps } from '../deps.js';
import type { CallParticipantPrincipal } from '../principal.js';
import { callView, loadCallFor, loadParticipants, roomOf } from './load-call.js';
import { assertRecordingAllowed } from './recording-allowed.js';
import { isFinished } from './state-machine.js';

export const presenceInput = z.object({ event: z.enum(['joined', 'left']) });

/**
 * A participant reports joining or leaving. The call turns active when both
 * have joined AND the media server sees two publishers (the browser's word
 * alone is not trusted); the room is locked to the two of them then, and a
 * recording-required call starts recording.
 */
export async function recordPresence(
  deps: ServiceDeps,
  principal: CallParticipantPrincipal,
  callId: string,
  input: z.infer<typeof presenceInput>,
) {
  return stopRecordingIfUncommitted(deps, (recordingStarted) => deps.db.transaction(async (tx) => {
    // Refuses a session of another call before anything is read.
    const loaded = await loadCallFor(tx, principal, callId, { forUpdate: true });
    const now = new Date();
    if (isFinished(loaded.call.state)) {
      return callView(loaded, await loadParticipants(tx, principal.tenantId, principal.callId));
    }
    await tx
      .update(participants)
      .set(input.event === 'joined' ? { joinedAt: now, leftAt: null, updatedAt: now } : { leftAt: now, updatedAt: now })
      .where(and(eq(participants.id, principal.participantId), eq(participants.tenantId, principal.tenantId)));
    await recordAudit(tx, {
      tenantId: principal.tenantId,
      actor: principal,
      action: `call.participant_${input.event}`,
      subjectType: 'call',
      subjectId: principal.callId,
      details: { role: principal.role },
    });

    const people = await loadParticipants(tx, principal.tenantId, principal.callId);
    // A supervisor listens; the call is between the agent and the customer.
    const callers = people.filter((p) => p.role !== 'supervisor');
    const bothIn = callers.length === 2 && callers.every((p) => p.joinedAt && !p.leftAt);
    if (input.event === 'joined' && bothIn && loaded.call.state === 'created') {
      const inRoom = await deps.media.listParticipants(roomOf(loaded.call));
      if (inRoom.filter((p) => p.publisher).length >= 2) {
        const record = loaded.meetingType.recordingPolicy === 'required';
        if (record) {
          // Escalation checked this too; an admin may have switched recording off since. Unrecorded is not an option here.
          await assertRecordingAllowed(tx, principal.tenantId);
          await beginRecording(deps, tx, loaded.call, loaded.meetingType);
          await deps.media.setRecording(roomOf(loaded.call), true);
          recordingStarted(roomOf(loaded.call));
          await noteOnTicket(tx, loaded.call, notes.recordingStarted(), `call:${loaded.call.id}:recording-on:start`);
        }
        // Both are in: lock the room to their two tokens, so no other token the gateway knows can enter it.
        const tokens = people.filter((p) => p.mediaToken && !p.removedAt).map((p) => p.mediaToken!);
        await deps.media.restrictRoom(roomOf(loaded.call), tokens);
        await tx
          .update(calls)
          .set({ state: 'active', startedAt: now, lockedAt: now, recordingActive: record, updatedAt: now })
          .where(eq(calls.id, loaded.call.id));
        await recordAudit(tx, {
          tenantId: principal.tenantId,
          actor: { kind: 'system' },
          action: 'call.started',
          subjectType: 'call',
          subjectId: loaded.call.id,
          details: { recording: record, locked: true },
        });
      }
    }
    const after = await loadCallFor(tx, principal, principal.callId);
    return callView(after, people);
  }));
}
