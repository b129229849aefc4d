import { and, eq, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { Db, DbOrTx } from '../../db/client.js';
import { UNIQUE_VIOLATION, pgErrorCode } from '../../db/errors.js';
import { calls, cases, consentRecords, consentRequests, joinTokens, meetingTypes, noticeVersions, outboxMessages, participants } from '../../db/schema/index.js';
import { perDatabase } from '../../db/per-database.js';
import { writeTogether, writeTogetherPrepared, type PlaceholderValues } from '../../db/write-together.js';
import { ConflictError, ValidationError } from '../../errors.js';
import { auditValues, auditWrites, recordAudit, type AuditEntry } from '../audit/record.js';
import { hashJoinToken, newJoinToken } from '../calls/join-token.js';
import { releaseCallMedia } from '../calls/teardown-media.js';
import type { ServiceDeps } from '../deps.js';
import type { NoticeContent } from '../notices/content.js';
import { isShippedLanguage } from '../notices/locales/index.js';
import { latestNotice } from '../notices/publish.js';
import { outboxWrite } from '../outbox/enqueue.js';
import { ticketNote } from '../outbox/ticket-note.js';
import { asksForRecordingConsent, assertAnswerPath, checkConsentLink, type ConsentAnswerPath } from './consent-token.js';
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
 * Records the customer's decision on a consent link: once, as append-only records, with the
 * ticket note and the audit event. Only a "yes" to joining creates the customer's join link.
 * Two statements: one reads the link with everything the decision needs, one writes.
 */
export async function recordConsentDecision(
  deps: ServiceDeps,
  token: string,
  raw: Partial<Record<keyof DecisionInput, unknown>>,
  via: ConsentAnswerPath = 'link',
) {
  const parsed = decisionInput.safeParse(raw);
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path[0];
    throw field === 'join'
      ? new ValidationError('JOIN_CHOICE_REQUIRED', 'Choose whether you want to join the call.')
      : new ValidationError('INVALID_DECISION', `Invalid decision: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  }
  const input = parsed.data;
  const { request, call, meetingType, ticket, shown } = await loadForDecision(deps.db, token, input.noticeVersionId);
  assertAnswerPath(request, via);
  // The version on the link, or the latest of its language (the page shows the latest on a reload).
  const shownHere = shown && shown.tenantId === request.tenantId && shown.meetingTypeId === meetingType.id;
  if (!shownHere || (shown.id !== request.noticeVersionId && !(await isLatest(deps, shown)))) {
    throw new ConflictError('NOTICE_VERSION_MISMATCH', 'This decision names a notice that was not shown on this link. Reload the page.');
  }
  // What was asked is what the notice shown said: the meeting type's policy, or "not recorded"
  // while recording is switched off for the account.
  const askRecording = asksForRecordingConsent(shown);
  if (input.join && askRecording && input.recording === undefined) {
    throw new ValidationError('RECORDING_CHOICE_REQUIRED', 'Choose whether the call may be recorded.');
  }
  if (!askRecording && input.recording === true && shown.recordingPolicy === 'forbidden') {
    throw new ValidationError('RECORDING_NOT_OFFERED', 'This call is never recorded.');
  }

  const recordingOutcome = !input.join
    ? null
    : askRecording
      ? input.recording
        ? 'granted'
        : 'declined'
      : shown.recordingPolicy === 'required'
        ? 'required'
        : 'not_recorded';

  const joinToken = input.join ? newJoinToken() : null;
  const audit: AuditEntry = {
    tenantId: request.tenantId,
    actor: { kind: 'system' },
    action: 'consent.decided',
    subjectType: 'call',
    subjectId: call.id,
    details: { join: input.join, recording: recordingOutcome, noticeVersion: shown.version, language: shown.language, channel: request.channel },
  };
  const note = ticketNote(
    request.tenantId,
    ticket,
    notes.decided({ join: input.join, recording: recordingOutcome ?? 'not_recorded', version: shown.version, language: shown.language }),
    `consent:${request.id}:decision-note`,
  );
  const values: PlaceholderValues = {
    tenantId: request.tenantId,
    callId: call.id,
    customerId: request.customerId,
    requestId: request.id,
    noticeVersionId: shown.id,
    noticeHash: shown.contentHash,
    language: shown.language,
    channel: request.channel,
    joinGranted: input.join,
    recordingGranted: input.recording === true,
    tokenHash: joinToken?.hash,
    tokenExpiresAt: new Date(Date.now() + deps.joinTokenTtlSeconds * 1000),
    noteKind: note.kind,
    noteKey: note.idempotencyKey,
    notePayload: note.payload,
  };
  const shape: DecisionShape = !input.join ? 'declined' : askRecording ? 'joined_recording_asked' : 'joined';

  try {
    const auditOne = auditValues(audit);
    if (auditOne) await decisionWithAudit[shape](deps.db, { ...values, ...auditOne });
    else
      await deps.db.transaction(async (tx) => {
        await writeTogether(tx, decisionWrites(tx, shape), values);
        await recordAudit(tx, audit);
      });
  } catch (error) {
    // The unique index on (link, purpose) of decisions: this link was decided, perhaps a moment ago.
    if (pgErrorCode(error) === UNIQUE_VIOLATION) throw new ConflictError('CONSENT_ALREADY_DECIDED', 'A decision has already been recorded for this link.');
    throw error;
  }

  if (!input.join) {
    // Its room goes at once; a media server that cannot be reached is retried by the teardown sweep.
    const [ended] = await deps.db.select().from(calls).where(and(eq(calls.id, call.id), eq(calls.state, 'ended')));
    if (ended) await releaseCallMedia(deps, ended);
  }

  return {
    callId: call.id,
    join: input.join,
    recording: recordingOutcome,
    language: shown.language,
    // The call page speaks the language the customer decided in.
    joinUrl: joinToken ? `${deps.publicBaseUrl}/j/${joinToken.token}?lang=${shown.language}` : null,
  };
}

type DecisionShape = 'declined' | 'joined' | 'joined_recording_asked';

/**
 * What a decision writes, its values as placeholders: the claim, the consent records (a second
 * one for recording where it was asked), the customer's join link on a "yes", the ticket note.
 * Each returns its rows, so the statement runs them in this order, before the audit parts that
 * follow: the tenant's audit head stays locked for as short a time as possible.
 */
function decisionWrites(db: DbOrTx, shape: DecisionShape) {
  const p = (name: string) => sql.placeholder(name);
  const evidence = {
    tenantId: p('tenantId'),
    callId: p('callId'),
    customerId: p('customerId'),
    consentRequestId: p('requestId'),
    noticeVersionId: p('noticeVersionId'),
    noticeHash: p('noticeHash'),
    language: p('language'),
    channel: p('channel'),
    event: 'decision' as const,
  };
  return {
    decided: db
      .update(consentRequests)
      .set({ decidedAt: sql`now()` })
      .where(eq(consentRequests.id, p('requestId')))
      .returning({ id: consentRequests.id }),
    // The unique index on (link, purpose) of decisions makes a second decision on this link fail whole.
    records: db
      .insert(consentRecords)
      .values([
        { ...evidence, purpose: 'join', granted: p('joinGranted') },
        ...(shape === 'joined_recording_asked' ? [{ ...evidence, purpose: 'recording' as const, granted: p('recordingGranted') }] : []),
      ])
      .returning({ id: consentRecords.id }),
    join_link:
      shape === 'declined'
        ? undefined
        : db.insert(joinTokens).values({
            tenantId: p('tenantId'),
            callId: p('callId'),
            participantId: sql`(SELECT ${participants.id} FROM ${participants} WHERE ${participants.callId} = ${p('callId')} AND ${participants.role} = 'customer')`,
            tokenHash: p('tokenHash'),
            expiresAt: p('tokenExpiresAt'),
          })
          .returning({ id: joinTokens.id }),
    note: outboxWrite(db, { tenantId: p('tenantId'), kind: p('noteKind'), idempotencyKey: p('noteKey'), payload: p('notePayload') }).returning({
      id: outboxMessages.id,
    }),
    // A "no" is final (the link decides once): the call can never start, so it ends now, and the
    // agent is free to offer another way instead of waiting for it to expire.
    call_ended:
      shape === 'declined'
        ? db
            .update(calls)
            .set({ state: 'ended', endedAt: sql`now()`, endReason: CUSTOMER_DECLINED, updatedAt: sql`now()` })
            .where(and(eq(calls.id, p('callId')), eq(calls.state, 'created')))
            .returning({ id: calls.id })
        : undefined,
  };
}

/** The end reason of a call whose customer declined it. */
export const CUSTOMER_DECLINED = 'customer_declined';

/** The decision and its audit event in one statement, one prepared statement per shape. */
const decisionWithAudit = Object.fromEntries(
  (['declined', 'joined', 'joined_recording_asked'] as const).map((shape) => [
    shape,
    writeTogetherPrepared(`consent_decision_${shape}`, (db) => ({ ...decisionWrites(db, shape), ...auditWrites })),
  ]),
) as Record<DecisionShape, (db: DbOrTx, values: PlaceholderValues) => Promise<unknown>>;

/** The link, its call, meeting type and case, and the notice version the decision names, in one query. */
const decisionLoad = perDatabase((db) => {
  const shown = alias(noticeVersions, 'shown');
  return db
    .select({
      request: {
        id: consentRequests.id,
        tenantId: consentRequests.tenantId,
        customerId: consentRequests.customerId,
        channel: consentRequests.channel,
        noticeVersionId: consentRequests.noticeVersionId,
        expiresAt: consentRequests.expiresAt,
        decidedAt: consentRequests.decidedAt,
      },
      call: { id: calls.id, state: calls.state },
      meetingType: { id: meetingTypes.id },
      ticket: { host: cases.host, externalId: cases.externalId, conversationId: cases.conversationId },
      shown: {
        id: shown.id,
        tenantId: shown.tenantId,
        meetingTypeId: shown.meetingTypeId,
        version: shown.version,
        language: shown.language,
        contentHash: shown.contentHash,
        recordingPolicy: sql<NoticeContent['recordingPolicy']>`${shown.content}->>'recordingPolicy'`,
        legalBasis: sql<NoticeContent['legalBasis']>`${shown.content}->>'legalBasis'`,
      },
    })
    .from(consentRequests)
    .innerJoin(calls, eq(calls.id, consentRequests.callId))
    .innerJoin(meetingTypes, eq(meetingTypes.id, calls.meetingTypeId))
    .innerJoin(cases, eq(cases.id, calls.caseId))
    .leftJoin(shown, eq(shown.id, sql.placeholder('noticeVersionId')))
    .where(eq(consentRequests.tokenHash, sql.placeholder('tokenHash')))
    .prepare('consent_decision_load');
});

async function loadForDecision(db: Db, token: string, noticeVersionId: string) {
  const [row] = await decisionLoad(db).execute({ tokenHash: hashJoinToken(token), noticeVersionId });
  checkConsentLink(row);
  return row;
}

async function isLatest(deps: ServiceDeps, version: { id: string; tenantId: string; meetingTypeId: string; language: string }): Promise<boolean> {
  if (!isShippedLanguage(version.language)) return false;
  const latest = await latestNotice(deps.db, version.tenantId, version.meetingTypeId, version.language);
  return latest?.id === version.id;
}
