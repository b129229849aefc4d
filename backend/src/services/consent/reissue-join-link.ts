import { and, desc, eq, isNotNull } from 'drizzle-orm';
import { calls, consentRecords, consentRequests, joinTokens, participants } from '../../db/schema/index.js';
import type { DbOrTx } from '../../db/client.js';
import { ConflictError, DomainError } from '../../errors.js';
import { recordAudit } from '../audit/record.js';
import { hashJoinToken } from '../calls/join-token.js';
import { replaceSeatLink } from '../calls/seat-link.js';
import type { ServiceDeps } from '../deps.js';
import { assertAnswerPath, checkConsentLink, type ConsentAnswerPath } from './consent-token.js';

/**
 * A customer who said yes on this consent link but has not entered the call yet (a second tap on
 * Join, the Back button, the page closed before the call opened) gets a fresh join link: the
 * unused one goes, the new one is the only way in. Once they have used a join link, the consent
 * link gives no other; a "no" gives none at all. Asked for by a form post, never by a page view,
 * so a link preview cannot take the customer's link away.
 */
export async function reissueJoinLink(deps: Pick<ServiceDeps, 'db' | 'publicBaseUrl' | 'joinTokenTtlSeconds'>, token: string, via: ConsentAnswerPath) {
  return deps.db.transaction(async (tx) => {
    const { request, call, seat, language } = await reissuable(tx, token, { lock: true, via });
    const link = await replaceSeatLink(tx, { tenantId: request.tenantId, callId: call.id, participantId: seat.id }, deps.joinTokenTtlSeconds);
    await recordAudit(tx, {
      tenantId: request.tenantId,
      actor: { kind: 'call-participant', participantId: seat.id, role: 'customer' },
      action: 'call.join_link_reissued',
      subjectType: 'call',
      subjectId: call.id,
      details: { consentRequestId: request.id },
    });
    return { joinUrl: `${deps.publicBaseUrl}/j/${link.token}?lang=${language}`, language };
  });
}

/** Whether `reissueJoinLink` would give this consent link a join link now; for the page to offer it. */
export async function mayReissueJoinLink(db: DbOrTx, token: string, via: ConsentAnswerPath): Promise<boolean> {
  return reissuable(db, token, { lock: false, via }).then(
    () => true,
    (error: unknown) => {
      if (error instanceof DomainError) return false;
      throw error;
    },
  );
}

/** The accepted, still open call of a consent link whose customer has not used a join link yet. */
async function reissuable(db: DbOrTx, token: string, options: { lock: boolean; via: ConsentAnswerPath }) {
  const query = db
    .select({
      request: {
        id: consentRequests.id,
        tenantId: consentRequests.tenantId,
        channel: consentRequests.channel,
        expiresAt: consentRequests.expiresAt,
        decidedAt: consentRequests.decidedAt,
      },
      call: { id: calls.id, state: calls.state },
    })
    .from(consentRequests)
    .innerJoin(calls, eq(calls.id, consentRequests.callId))
    .where(eq(consentRequests.tokenHash, hashJoinToken(token)));
  const [row] = options.lock ? await query.for('update', { of: consentRequests }) : await query;
  checkConsentLink(row, { allowDecided: true });
  // In a Teams chat only the customer's own Join button on the card asks; the link reaches everyone.
  assertAnswerPath(row.request, options.via);
  const alreadyDecided = () => new ConflictError('CONSENT_ALREADY_DECIDED', 'A decision has already been recorded for this link.');
  const [join] = await db
    .select({ granted: consentRecords.granted, language: consentRecords.language })
    .from(consentRecords)
    .where(and(eq(consentRecords.consentRequestId, row.request.id), eq(consentRecords.purpose, 'join'), eq(consentRecords.event, 'decision')))
    .orderBy(desc(consentRecords.at))
    .limit(1);
  if (!row.request.decidedAt || !join?.granted) throw alreadyDecided();
  const [seat] = await db
    .select({ id: participants.id })
    .from(participants)
    .where(and(eq(participants.callId, row.call.id), eq(participants.role, 'customer')));
  if (!seat) throw alreadyDecided();
  const used = await db
    .select({ id: joinTokens.id })
    .from(joinTokens)
    .where(and(eq(joinTokens.participantId, seat.id), isNotNull(joinTokens.usedAt)))
    .limit(1);
  if (used.length > 0) throw alreadyDecided();
  return { ...row, seat, language: join.language };
}
