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
import { releaseCallMedia } from './teardown-media.js';
import { DomainError } from '../../errors.js';

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
  try {
    return await presence(deps, principal, callId, input);
  } catch (error) {
    if (!(error instanceof RecordingUnavailable)) throw error;
    // Both are in the room and talking: a call that must be recorded cannot go on unrecorded.
    await failUnrecordableCall(deps, principal, error.cause);
    return callView(await loadCallFor(deps.db, principal, principal.callId), await loadParticipants(deps.db, principal.tenantId, principal.callId));
  }
}

export const RECORDING_UNAVAILABLE_REASON = 'recording_unavailable';

/** The recording a meeting type requires could not start when the call was to begin. */
class RecordingUnavailable extends Error {
  override readonly name = 'RecordingUnavailable';
  constructor(override readonly cause: unknown) {
    super('the required recording could not start', { cause });
  }
}

/** Fails a call whose required recording could not start, and closes its room so nobody talks on in it. */
async function failUnrecordableCall(deps: ServiceDeps, principal: CallParticipantPrincipal, cause: unknown): Promise<void> {
  const failed = await deps.db.transaction(async (tx) => {
    const { call } = await loadCallFor(tx, principal, principal.callId, { forUpdate: true });
    if (call.state !== 'created') return null;
    const now = new Date();
    await tx
      .update(calls)
      .set({ state: 'failed', endedAt: now, endReason: RECORDING_UNAVAILABLE_REASON, recordingActive: false, updatedAt: now })
      .where(eq(calls.id, call.id));
    await noteOnTicket(tx, call, notes.recordingUnavailable(), `call:${call.id}:recording-unavailable`);
    await recordAudit(tx, {
      tenantId: call.tenantId,
      actor: { kind: 'system' },
      action: 'call.failed',
      subjectType: 'call',
      subjectId: call.id,
      details: { reason: RECORDING_UNAVAILABLE_REASON, cause: cause instanceof DomainError ? cause.code : cause instanceof Error ? cause.name : 'unknown' },
    });
    return call;
  });
  if (failed) await releaseCallMedia(deps, failed);
}

async function presence(
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
          try {
            await assertRecordingAllowed(tx, principal.tenantId);
            await beginRecording(deps, tx, loaded.call, loaded.meetingType);
            await deps.media.setRecording(roomOf(loaded.call), true);
          } catch (error) {
            throw new RecordingUnavailable(error);
          }
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
