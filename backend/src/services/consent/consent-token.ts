import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { calls, consentRequests, meetingTypes, noticeVersions } from '../../db/schema/index.js';
import { ConflictError, GoneError, NotFoundError } from '../../errors.js';
import { hashJoinToken } from '../calls/join-token.js';
import { isFinished } from '../calls/state-machine.js';
import type { NoticeContent } from '../notices/content.js';

/**
 * Resolves a consent link. Expired, unknown and finished-call links are refused
 * with codes the consent page turns into plain words.
 */
export async function loadConsentRequest(db: DbOrTx, token: string, options: { allowDecided?: boolean } = {}) {
  const [row] = await db
    .select({ request: consentRequests, call: calls, meetingType: meetingTypes, notice: noticeVersions })
    .from(consentRequests)
    .innerJoin(calls, eq(calls.id, consentRequests.callId))
    .innerJoin(meetingTypes, eq(meetingTypes.id, calls.meetingTypeId))
    .innerJoin(noticeVersions, eq(noticeVersions.id, consentRequests.noticeVersionId))
    .where(eq(consentRequests.tokenHash, hashJoinToken(token)));
  if (!row) throw new NotFoundError('CONSENT_NOT_FOUND', 'This consent link is not valid.');
  if (row.request.expiresAt.getTime() <= Date.now()) throw new GoneError('CONSENT_EXPIRED', 'This consent link has expired.');
  if (isFinished(row.call.state)) throw new ConflictError('CALL_ENDED', 'This call has already ended.');
  if (row.request.decidedAt && !options.allowDecided) {
    throw new ConflictError('CONSENT_ALREADY_DECIDED', 'A decision has already been recorded for this link.');
  }
  return { ...row, notice: { ...row.notice, content: row.notice.content as NoticeContent } };
}

export type LoadedConsentRequest = Awaited<ReturnType<typeof loadConsentRequest>>;

/** Whether the customer is asked about recording separately: only where consent is the legal basis. */
export function asksForRecordingConsent(meetingType: { recordingPolicy: string; legalBasis: string }): boolean {
  return meetingType.recordingPolicy === 'optional' && meetingType.legalBasis === 'consent';
}
