import { ADAPTIVE_CARD_CONTENT_TYPE, consentCard } from '../../adapters/teams/consent-card.js';
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { type PlaceholderValues } from '../../db/write-together.js';
import { consentRequests } from '../../db/schema/index.js';
import { newJoinToken } from '../calls/join-token.js';
import { buildConsentActions } from '../messaging/build-consent-actions.js';
import { locales } from '../notices/locales/index.js';
import { latestNotice } from '../notices/publish.js';
import { outboxWriteFromJson, type OutboxMessage } from '../outbox/enqueue.js';
import { asksForRecordingConsent } from './consent-token.js';
import { customerInvitation, notes } from './notes.js';

export interface ConsentOffer {
  tenantId: string;
  callId: string;
  customerId: string;
  meetingType: { id: string; name: string };
  language: 'en' | 'de' | 'fr' | 'nl' | 'es';
  channel: 'zendesk_ticket' | 'zendesk_messaging' | 'teams_chat' | 'web';
  /** Ticket id for Zendesk, conversation id for chat channels. */
  caseExternalId: string;
  conversationId?: string;
  publicBaseUrl: string;
  ttlSeconds: number;
}

/** What offering consent writes: the consent link and the messages it queues. */
export interface ConsentOfferWrites {
  link: string;
  noticeVersion: number;
  request: typeof consentRequests.$inferInsert & { expiresAt: Date };
  messages: OutboxMessage[];
}

/** The latest notice version of the meeting type in the offer's language, as `latestNotice` reads it. */
export type OfferedNotice = NonNullable<Awaited<ReturnType<typeof latestNotice>>>;

/**
 * Prepares the customer's consent link with the invitation to the customer's channel and the
 * internal note for the ticket, showing `notice` (the latest in the customer's language); the
 * caller writes `request` and `messages` in the statement that creates the call.
 */
export async function planConsentOffer(db: DbOrTx, offer: ConsentOffer, notice: OfferedNotice): Promise<ConsentOfferWrites> {
  const { token, hash } = newJoinToken();
  // The chat a messaging or Teams invitation goes into.
  const chat = offer.conversationId ?? offer.caseExternalId;
  const request = {
    tenantId: offer.tenantId,
    callId: offer.callId,
    customerId: offer.customerId,
    tokenHash: hash,
    channel: offer.channel,
    noticeVersionId: notice.id,
    language: offer.language,
    conversationId: offer.channel === 'zendesk_messaging' || offer.channel === 'teams_chat' ? chat : null,
    expiresAt: new Date(Date.now() + offer.ttlSeconds * 1000),
  };
  const link = `${offer.publicBaseUrl}/c/${token}`;
  const invitation = customerInvitation(notice.content, link, { fullNotice: locales[offer.language].page.fullNoticeLink });
  const key = (what: string) => `call:${offer.callId}:${what}`;
  const messages: OutboxMessage[] = [];

  switch (offer.channel) {
    case 'zendesk_ticket':
      messages.push({
        tenantId: offer.tenantId,
        kind: 'zendesk.ticket_comment',
        idempotencyKey: key('invitation'),
        payload: { ticketId: offer.caseExternalId, body: invitation, public: true },
      });
      break;
    case 'zendesk_messaging':
      messages.push({
        tenantId: offer.tenantId,
        kind: 'sunco.message',
        idempotencyKey: key('invitation'),
        payload: {
          conversationId: chat,
          text: notice.content.summary,
          actions: await buildConsentActions(db, {
            tenantId: offer.tenantId,
            notice: notice.content,
            language: offer.language,
            link,
            token,
            noticeVersionId: notice.id,
          }),
        },
      });
      break;
    case 'teams_chat': {
      const card = consentCard({
        notice: notice.content,
        noticeVersionId: notice.id,
        token,
        link,
        askRecording: asksForRecordingConsent(notice.content),
      });
      messages.push({
        tenantId: offer.tenantId,
        kind: 'teams.activity',
        idempotencyKey: key('invitation'),
        payload: {
          conversationId: chat,
          activity: { type: 'message', attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, content: card }] },
        },
      });
      break;
    }
    case 'web':
      // The agent hands the link over themselves.
      break;
    default: {
      const unknownChannel: never = offer.channel;
      throw new Error(`unknown channel ${String(unknownChannel)}`);
    }
  }

  if (offer.channel === 'zendesk_ticket' || offer.channel === 'zendesk_messaging') {
    messages.push({
      tenantId: offer.tenantId,
      kind: 'zendesk.ticket_comment',
      idempotencyKey: key('offered-note'),
      payload: {
        ticketId: offer.caseExternalId,
        public: false,
        body: notes.offered({
          meetingTypeName: offer.meetingType.name,
          version: notice.version,
          language: offer.language,
          hash: notice.contentHash,
          channel: offer.channel,
        }),
      },
    });
  }
  return { link, noticeVersion: notice.version, request, messages };
}

/**
 * The writes of a planned offer as `writeTogether` parts, their values as placeholders
 * (`consentOfferValues`): the consent link and the messages it queues.
 */
export function consentOfferWrites(db: DbOrTx) {
  const p = (name: string) => sql.placeholder(name);
  return {
    consent_request: db
      .insert(consentRequests)
      .values({
        tenantId: p('tenantId'),
        callId: p('callId'),
        customerId: p('customerId'),
        tokenHash: p('consentTokenHash'),
        channel: p('consentChannel'),
        noticeVersionId: p('consentNoticeVersionId'),
        language: p('consentLanguage'),
        conversationId: p('consentConversationId'),
        expiresAt: p('consentExpiresAt'),
      })
      .returning({ id: consentRequests.id }),
    // However many messages the channel needs (none for a link handed over by hand), in one shape.
    consent_messages: outboxWriteFromJson(p('tenantId'), p('consentMessages')),
  };
}

export function consentOfferValues(plan: ConsentOfferWrites): PlaceholderValues {
  return {
    tenantId: plan.request.tenantId,
    callId: plan.request.callId,
    customerId: plan.request.customerId,
    consentTokenHash: plan.request.tokenHash,
    consentChannel: plan.request.channel,
    consentNoticeVersionId: plan.request.noticeVersionId,
    consentLanguage: plan.request.language,
    consentConversationId: plan.request.conversationId ?? null,
    consentExpiresAt: plan.request.expiresAt,
    consentMessages: JSON.stringify(plan.messages.map((m) => ({ kind: m.kind, idempotency_key: m.idempotencyKey, payload: m.payload }))),
  };
}
