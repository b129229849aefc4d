import { and, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { consentRecords, consentRequests, joinTokens, noticeVersions, participants } from '../../db/schema/index.js';
import { ConflictError, ValidationError } from '../../errors.js';
import { recordAudit } from '../audit/record.js';
import { newJoinToken } from '../calls/join-token.js';
import type { ServiceDeps } from '../deps.js';
import { isShippedLanguage } from '../notices/locales/index.js';
import { latestNotice } from '../notices/publish.js';
import { noteOnTicket } from '../outbox/ticket-note.js';
import { asksForRecordingConsent, loadConsentRequest } from './consent-token.js';
import { notes } from './notes.js';

export const decisionInput = z.object({
  /** The notice version the page showed; a decision is only valid for words the customer saw. */
  noticeVersionId: z.uuid(),
  join: z.boolean(),
  /** Asked only where consent is the legal basis for recording; nothing is assumed. */
  recording: z.boolean().optional(),
});
export type DecisionInput = z.infer<typeof decisionInput>;

/**
 * Records the customer's decision on a consent link: once, as append-only
 * records, with the ticket note queued in the same transaction. Only a "yes" to
 * joining creates the customer's join link.
 */
export async function recordConsentDecision(deps: ServiceDeps, token: string, raw: Partial<Record<keyof DecisionInput, unknown>>) {
  const parsed = decisionInput.safeParse(raw);
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path[0];
    throw field === 'join'
      ? new ValidationError('JOIN_CHOICE_REQUIRED', 'Choose whether you want to join the call.')
      : new ValidationError('INVALID_DECISION', `Invalid decision: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  }
  const input = parsed.data;
  const loaded = await loadConsentRequest(deps.db, token);
  const { request, call, meetingType } = loaded;
  const askRecording = asksForRecordingConsent(meetingType);

  if (input.join && askRecording && input.recording === undefined) {
    throw new ValidationError('RECORDING_CHOICE_REQUIRED', 'Choose whether the call may be recorded.');
  }
  if (!askRecording && input.recording === true && meetingType.recordingPolicy === 'forbidden') {
    throw new ValidationError('RECORDING_NOT_OFFERED', 'This call is never recorded.');
  }

  const [shown] = await deps.db
    .select()
    .from(noticeVersions)
    .where(and(eq(noticeVersions.id, input.noticeVersionId), eq(noticeVersions.tenantId, request.tenantId), eq(noticeVersions.meetingTypeId, meetingType.id)));
  if (!shown || (shown.id !== request.noticeVersionId && !(await isLatest(deps, shown)))) {
    throw new ConflictError('NOTICE_VERSION_MISMATCH', 'This decision names a notice that was not shown on this link. Reload the page.');
  }

  const recordingOutcome = !input.join
    ? null
    : askRecording
      ? input.recording
        ? 'granted'
        : 'declined'
      : meetingType.recordingPolicy === 'required'
        ? 'required'
        : 'not_recorded';

  const joinToken = input.join ? newJoinToken() : null;
  await deps.db.transaction(async (tx) => {
    const claimed = await tx
      .update(consentRequests)
      .set({ decidedAt: new Date() })
      .where(and(eq(consentRequests.id, request.id), isNull(consentRequests.decidedAt)))
      .returning({ id: consentRequests.id });
    if (claimed.length === 0) throw new ConflictError('CONSENT_ALREADY_DECIDED', 'A decision has already been recorded for this link.');

    const evidence = {
      tenantId: request.tenantId,
      callId: call.id,
      customerId: request.customerId,
      consentRequestId: request.id,
      noticeVersionId: shown.id,
      noticeHash: shown.contentHash,
      language: shown.language,
      channel: request.channel,
      event: 'decision' as const,
    };
    await tx.insert(consentRecords).values([
      { ...evidence, purpose: 'join', granted: input.join },
      ...(input.join && askRecording ? [{ ...evidence, purpose: 'recording' as const, granted: input.recording === true }] : []),
    ]);

    if (joinToken) {
      const [seat] = await tx
        .select({ id: participants.id })
        .from(participants)
        .where(and(eq(participants.callId, call.id), eq(participants.role, 'customer')));
      await tx.insert(joinTokens).values({
        tenantId: request.tenantId,
        callId: call.id,
        participantId: seat!.id,
        tokenHash: joinToken.hash,
        expiresAt: new Date(Date.now() + deps.joinTokenTtlSeconds * 1000),
      });
    }

    await noteOnTicket(
      tx,
      call,
      notes.decided({ join: input.join, recording: recordingOutcome ?? 'not_recorded', version: shown.version, language: shown.language }),
      `consent:${request.id}:decision-note`,
    );
    await recordAudit(tx, {
      tenantId: request.tenantId,
      actor: { kind: 'system' },
      action: 'consent.decided',
      subjectType: 'call',
      subjectId: call.id,
      details: { join: input.join, recording: recordingOutcome, noticeVersion: shown.version, language: shown.language, channel: request.channel },
    });
  });

  return {
    callId: call.id,
    join: input.join,
    recording: recordingOutcome,
    language: shown.language,
    joinUrl: joinToken ? `${deps.publicBaseUrl}/j/${joinToken.token}` : null,
  };
}

async function isLatest(deps: ServiceDeps, version: typeof noticeVersions.$inferSelect): Promise<boolean> {
  if (!isShippedLanguage(version.language)) return false;
  const latest = await latestNotice(deps.db, version.tenantId, version.meetingTypeId, version.language);
  return latest?.id === version.id;
}
