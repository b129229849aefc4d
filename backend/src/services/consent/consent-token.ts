import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { calls, consentRequests, meetingTypes, noticeVersions } from '../../db/schema/index.js';
import { ConflictError, ForbiddenError, GoneError, NotFoundError } from '../../errors.js';
import { hashJoinToken } from '../calls/join-token.js';
import { isFinished, type CallState } from '../calls/state-machine.js';
import type { NoticeContent } from '../notices/content.js';

/** Resolves a consent link with its call, meeting type and notice; see `checkConsentLink` for refusals. */
export async function loadConsentRequest(db: DbOrTx, token: string, options: { allowDecided?: boolean } = {}) {
  const [row] = await db
    .select({ request: consentRequests, call: calls, meetingType: meetingTypes, notice: noticeVersions })
    .from(consentRequests)
    .innerJoin(calls, eq(calls.id, consentRequests.callId))
    .innerJoin(meetingTypes, eq(meetingTypes.id, calls.meetingTypeId))
    .innerJoin(noticeVersions, eq(noticeVersions.id, consentRequests.noticeVersionId))
    .where(eq(consentRequests.tokenHash, hashJoinToken(token)));
  checkConsentLink(row, options);
  return { ...row, notice: { ...row.notice, content: row.notice.content as NoticeContent } };
}

/**
 * Refuses unknown, expired and finished-call links (and decided ones unless allowed), with codes
 * the consent page turns into plain words.
 */
export function checkConsentLink<T extends { request: { expiresAt: Date; decidedAt: Date | null }; call: { state: CallState } }>(
  row: T | undefined,
  options: { allowDecided?: boolean } = {},
): asserts row is T {
  if (!row) throw new NotFoundError('CONSENT_NOT_FOUND', 'This consent link is not valid.');
  if (row.request.expiresAt.getTime() <= Date.now()) throw new GoneError('CONSENT_EXPIRED', 'This consent link has expired.');
  // Decided first: a "no" ends the call, and pressed again it is the choice that explains why.
  if (row.request.decidedAt && !options.allowDecided) {
    throw new ConflictError('CONSENT_ALREADY_DECIDED', 'A decision has already been recorded for this link.');
  }
  if (isFinished(row.call.state)) throw new ConflictError('CALL_ENDED', 'This call has already ended.');
}

export type LoadedConsentRequest = Awaited<ReturnType<typeof loadConsentRequest>>;

/** Whether the customer is asked about recording separately: only where consent is the legal basis. */
export function asksForRecordingConsent(meetingType: { recordingPolicy: string; legalBasis: string }): boolean {
  return meetingType.recordingPolicy === 'optional' && meetingType.legalBasis === 'consent';
}

/**
 * How a consent link was answered: by whoever holds the link (the consent page, the JSON API, a
 * messaging postback), or with the buttons of Parley's card in a Teams chat, where Teams says who
 * pressed them.
 */
export type ConsentAnswerPath = 'link' | 'teams_card';

/**
 * A Teams chat's card reaches every member of the chat, its link included: an offer made there is
 * answered only with the card's buttons, which decide only for the invited customer. Its consent
 * page shows the notice and no choices. Everywhere else the link is the customer's own.
 */
export function assertAnswerPath(request: { channel: string }, via: ConsentAnswerPath): void {
  if (request.channel === 'teams_chat' && via !== 'teams_card') {
    throw new ForbiddenError('This invitation is answered with the buttons on its card in the Teams chat.', 'CONSENT_ANSWER_IN_TEAMS');
  }
}

/** Where the customer of an offer on this channel answers it. */
export function answerPathOf(channel: string): ConsentAnswerPath {
  return channel === 'teams_chat' ? 'teams_card' : 'link';
}
