import { and, eq, isNotNull } from 'drizzle-orm';
import { ADAPTIVE_CARD_CONTENT_TYPE, customerAcceptedCard, decidedCard, resultCard, type AdaptiveCard } from '../../adapters/teams/consent-card.js';
import type { Db } from '../../db/client.js';
import { consentRequests, outboxMessages } from '../../db/schema/index.js';
import { DomainError } from '../../errors.js';
import { isConsentSubject } from '../consent/is-consent-subject.js';
import { mayReissueJoinLink, reissueJoinLink } from '../consent/reissue-join-link.js';
import type { ServiceDeps } from '../deps.js';
import type { ShippedLanguage } from '../notices/locales/index.js';
import { outboxWrite } from '../outbox/enqueue.js';

/**
 * Once the customer has decided from the card, the card in the chat is replaced for everyone
 * (outbox, as the invitation was sent): the agent and anyone else in the chat see what was chosen
 * instead of live buttons. Found by the id Teams gave the invitation; nothing to replace when it
 * was never delivered. Returns whether the replacement was queued.
 */
export async function queueDecidedCard(
  db: Db,
  decided: { callId: string; token: string; join: boolean; language: ShippedLanguage; customerTeamsId: string },
): Promise<boolean> {
  // A delivered message keeps no payload; the chat it went into is the consent request's.
  const [invitation] = await db
    .select({ tenantId: outboxMessages.tenantId, activityId: outboxMessages.vendorMessageId, conversationId: consentRequests.conversationId })
    .from(outboxMessages)
    .innerJoin(consentRequests, eq(consentRequests.callId, decided.callId))
    .where(
      and(
        eq(outboxMessages.idempotencyKey, `call:${decided.callId}:invitation`),
        eq(outboxMessages.kind, 'teams.activity'),
        isNotNull(outboxMessages.vendorMessageId),
      ),
    );
  if (!invitation?.conversationId) return false;
  const { conversationId } = invitation;
  const card = decidedCard(decided);
  await outboxWrite(db, {
    tenantId: invitation.tenantId,
    kind: 'teams.activity',
    idempotencyKey: `call:${decided.callId}:invitation:decided`,
    payload: { conversationId, replaces: invitation.activityId, activity: { type: 'message', attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, content: card }] } },
  });
  return true;
}

/**
 * The customer's own view of a decided card, asked by their Teams client: on display (refresh) a
 * Join button while they have not joined yet, and on its press a fresh join link; otherwise what
 * they chose. Anyone else gets the card everyone sees.
 */
export async function consentRefreshCard(
  deps: Pick<ServiceDeps, 'db' | 'publicBaseUrl' | 'joinTokenTtlSeconds'>,
  request: { token: string; language: ShippedLanguage; from: { id: string | undefined; aadObjectId: string | undefined }; issue: boolean },
): Promise<AdaptiveCard> {
  const ids = [request.from.id, request.from.aadObjectId].filter((id): id is string => typeof id === 'string');
  const everyone = decidedCard({ language: request.language, join: true, token: request.token });
  if ((await isConsentSubject(deps.db, request.token, ids)) !== true) return everyone;
  if (!request.issue) {
    return (await mayReissueJoinLink(deps.db, request.token, 'teams_card')) ? customerAcceptedCard(request) : resultCard({ kind: 'refused', language: request.language, reason: 'decided' });
  }
  try {
    const { joinUrl } = await reissueJoinLink(deps, request.token, 'teams_card');
    return resultCard({ kind: 'decided', language: request.language, join: true, joinUrl });
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    // In the call already, or it is over: nothing to reissue.
    return resultCard({ kind: 'refused', language: request.language, reason: error.code === 'CALL_ENDED' ? 'ended' : 'decided' });
  }
}
