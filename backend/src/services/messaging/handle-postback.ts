import { eq } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { consentRequests, processedWebhookEvents } from '../../db/schema/index.js';
import { DomainError } from '../../errors.js';
import type { OutboxPayload } from '../../ports/outbox-delivery.js';
import { hashJoinToken } from '../calls/join-token.js';
import { recordConsentDecision } from '../consent/record-decision.js';
import type { ServiceDeps } from '../deps.js';
import { isShippedLanguage, locales, type NoticeLocale } from '../notices/locales/index.js';
import { enqueueMessage } from '../outbox/enqueue.js';
import { isConsentPostback, parseConsentPostback } from './postback-payload.js';

export interface PostbackEvent {
  /** The vendor's event id: SunCo redelivers until it gets a 2xx, we act once. */
  eventId: string;
  conversationId: string;
  payload: string;
}

export type PostbackOutcome =
  /** Not a Parley button (another bot on the same app); nothing is stored. */
  | { outcome: 'ignored' }
  /** This event id was handled before. */
  | { outcome: 'duplicate' }
  | { outcome: 'recorded'; callId: string; join: boolean }
  /** Handled, and the decision service (or the origin check) said no; `code` says why. */
  | { outcome: 'refused'; code: string; callId?: string };

const SOURCE = 'sunco';

/**
 * Records the answer a customer gave with a consent postback button, exactly once per
 * event: the event id is claimed in the same transaction as the decision and the reply,
 * so a crash leaves neither and SunCo's redelivery does the work; a committed event is
 * never acted on twice. A refused decision still marks the event handled: the refusal
 * is final, and the customer is told in the chat where Parley knows their language.
 */
export async function handleConsentPostback(deps: ServiceDeps, event: PostbackEvent): Promise<PostbackOutcome> {
  if (!isConsentPostback(event.payload)) return { outcome: 'ignored' };
  const answer = parseConsentPostback(event.payload);

  return deps.db.transaction(async (tx): Promise<PostbackOutcome> => {
    const claimed = await tx
      .insert(processedWebhookEvents)
      .values({ source: SOURCE, eventId: event.eventId })
      .onConflictDoNothing()
      .returning({ eventId: processedWebhookEvents.eventId });
    if (claimed.length === 0) return { outcome: 'duplicate' };
    if (!answer) return { outcome: 'refused', code: 'MALFORMED_POSTBACK' };

    const origin = await originOf(tx, answer.token);
    if (!origin) return { outcome: 'refused', code: 'CONSENT_NOT_FOUND' };
    // The token already proves the right to decide; a button pressed anywhere but the
    // conversation it was sent to is still not one Parley sent, so it decides nothing.
    if (origin.channel !== 'zendesk_messaging' || origin.conversationId !== event.conversationId) {
      return { outcome: 'refused', code: 'CONVERSATION_MISMATCH', callId: origin.callId };
    }
    const reply = (key: string, message: Omit<OutboxPayload<'sunco.message'>, 'conversationId'>) =>
      enqueueMessage(tx, { tenantId: origin.tenantId, kind: 'sunco.message', idempotencyKey: key, payload: { conversationId: event.conversationId, ...message } });

    try {
      // The decision runs in a savepoint of its own: a refusal, even one the database raises
      // (a decision racing this one), rolls back only its part, and the event claim above
      // commits with the reply explaining it.
      const decision = await tx.transaction((savepoint) =>
        recordConsentDecision({ ...deps, db: savepoint }, answer.token, { noticeVersionId: answer.noticeVersionId, join: answer.join }),
      );
      const page = textsFor(decision.language).page;
      await reply(
        `consent:${origin.requestId}:messaging-reply`,
        decision.joinUrl ? { text: page.joinedText, actions: [{ type: 'link', text: page.joinNow, uri: decision.joinUrl }] } : { text: page.declinedText },
      );
      return { outcome: 'recorded', callId: decision.callId, join: decision.join };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const explanation = refusalReply(textsFor(origin.language), error, `${deps.publicBaseUrl}/c/${answer.token}`);
      if (explanation) await reply(`sunco-event:${event.eventId}:refusal-reply`, explanation);
      return { outcome: 'refused', code: error.code, callId: origin.callId };
    }
  });
}

/** Where a consent link was sent, found by its token's hash (only the hash is stored). */
async function originOf(tx: Tx, token: string) {
  const [row] = await tx
    .select({
      requestId: consentRequests.id,
      tenantId: consentRequests.tenantId,
      callId: consentRequests.callId,
      channel: consentRequests.channel,
      language: consentRequests.language,
      conversationId: consentRequests.conversationId,
    })
    .from(consentRequests)
    .where(eq(consentRequests.tokenHash, hashJoinToken(token)));
  return row;
}

function textsFor(language: string): NoticeLocale {
  return locales[isShippedLanguage(language) ? language : 'en'];
}

/** What the customer reads after a button that could not decide; the page can still ask where the answer was incomplete. */
function refusalReply(t: NoticeLocale, error: DomainError, consentPage: string): Omit<OutboxPayload<'sunco.message'>, 'conversationId'> | undefined {
  const readAgain = [{ type: 'link' as const, text: t.page.fullNoticeLink, uri: consentPage }];
  switch (error.code) {
    case 'CONSENT_ALREADY_DECIDED':
      return { text: t.page.decidedAlready };
    case 'CONSENT_EXPIRED':
      return { text: t.page.expired };
    case 'CALL_ENDED':
      return { text: t.page.callEnded };
    case 'NOTICE_VERSION_MISMATCH':
      return { text: t.page.noticeChanged, actions: readAgain };
    default:
      return error.status === 400 ? { text: t.page.answerEachQuestion, actions: readAgain } : undefined;
  }
}
