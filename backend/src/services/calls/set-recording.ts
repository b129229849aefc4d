import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Tx } from '../../db/client.js';
import { calls, consentRecords, consentRequests } from '../../db/schema/index.js';
import { ConflictError, ForbiddenError, PolicyViolation } from '../../errors.js';
import { recordAudit } from '../audit/record.js';
import { notes } from '../consent/notes.js';
import type { ServiceDeps } from '../deps.js';
import { noteOnTicket } from '../outbox/ticket-note.js';
import { beginRecording, stopRecordingIfUncommitted } from '../recordings/begin.js';
import type { Principal } from '../principal.js';
import { callView, loadCallFor, loadParticipants, roomOf, type LoadedCall } from './load-call.js';
import { assertRecordingAllowed } from './recording-allowed.js';

export const recordingToggleInput = z.object({ on: z.boolean() });

/**
 * Switches recording of a running call, only where the meeting type makes it
 * optional. The agent may switch it, and on only with the customer's consent; the
 * customer may only stop it, which is a withdrawal of consent and takes effect
 * at once.
 */
export async function setRecording(deps: ServiceDeps, principal: Principal, callId: string, input: z.infer<typeof recordingToggleInput>) {
  const isCustomer = principal.kind === 'call-participant' && principal.role === 'customer';
  if (isCustomer && input.on) throw new ForbiddenError('Only the agent can start a recording.');
  if (principal.kind === 'call-participant' && principal.role === 'supervisor') throw new ForbiddenError('A supervisor only listens.');

  const view = await stopRecordingIfUncommitted(deps, (recordingStarted) => deps.db.transaction(async (tx) => {
    const loaded = await loadCallFor(tx, principal, callId, { forUpdate: true });
    const { call, meetingType } = loaded;
    if (call.state !== 'active') throw new ConflictError('CALL_NOT_ACTIVE', 'Recording can only be switched during a running call.');
    // Nobody switches a recording the meeting type requires or forbids: not the agent, and not the
    // customer, whose "stop" would withdraw a consent the recording does not rest on.
    if (meetingType.recordingPolicy !== 'optional') {
      throw new PolicyViolation(
        'RECORDING_NOT_OPTIONAL',
        isCustomer && meetingType.recordingPolicy === 'required'
          ? 'The law requires this call to be recorded. To end the recording, leave the call.'
          : `Recording is ${meetingType.recordingPolicy} for this meeting type.`,
      );
    }
    if (isCustomer) await recordWithdrawal(tx, loaded);
    if (input.on) {
      await assertRecordingAllowed(tx, call.tenantId);
      // Read with the call, under its row lock: the customer's latest answer about recording.
      if (meetingType.legalBasis === 'consent' && loaded.recordingConsent !== 'granted') {
        throw new PolicyViolation('RECORDING_CONSENT_MISSING', 'The customer has not consented to recording.');
      }
    }
    if (input.on !== call.recordingActive) {
      if (input.on) {
        await beginRecording(deps, tx, call, meetingType);
      }
      await deps.media.setRecording(roomOf(call), input.on);
      if (input.on) recordingStarted(roomOf(call));
      await tx.update(calls).set({ recordingActive: input.on, updatedAt: new Date() }).where(eq(calls.id, call.id));
      await noteOnTicket(tx, call, input.on ? notes.recordingStarted() : notes.recordingStopped(), `call:${call.id}:recording-${input.on ? 'on' : 'off'}:${Date.now()}`);
    }
    await recordAudit(tx, {
      tenantId: call.tenantId,
      actor: principal,
      action: input.on ? 'call.recording_started' : 'call.recording_stopped',
      subjectType: 'call',
      subjectId: call.id,
      details: { byCustomer: isCustomer },
    });
    return callView(await loadCallFor(tx, principal, callId), await loadParticipants(tx, call.tenantId, call.id));
  }));
  return view;
}

async function recordWithdrawal(tx: Tx, { call }: LoadedCall) {
  const [request] = await tx
    .select()
    .from(consentRequests)
    .where(and(eq(consentRequests.callId, call.id), eq(consentRequests.tenantId, call.tenantId)));
  const [lastDecision] = await tx
    .select()
    .from(consentRecords)
    .where(and(eq(consentRecords.callId, call.id), eq(consentRecords.purpose, 'join'), eq(consentRecords.granted, true)));
  if (!request || !lastDecision) return;
  await tx.insert(consentRecords).values({
    tenantId: call.tenantId,
    callId: call.id,
    customerId: call.customerId,
    consentRequestId: request.id,
    noticeVersionId: lastDecision.noticeVersionId,
    noticeHash: lastDecision.noticeHash,
    language: lastDecision.language,
    channel: request.channel,
    purpose: 'recording',
    event: 'withdrawal',
    granted: false,
  });
  await noteOnTicket(tx, call, notes.recordingWithdrawn(), `call:${call.id}:withdrawal:${Date.now()}`);
}
