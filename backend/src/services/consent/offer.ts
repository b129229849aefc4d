import { ADAPTIVE_CARD_CONTENT_TYPE, consentCard } from '../../adapters/teams/consent-card.js';
import type { Tx } from '../../db/client.js';
import { consentRequests } from '../../db/schema/index.js';
import { NotFoundError } from '../../errors.js';
import { newJoinToken } from '../calls/join-token.js';
import { buildConsentActions } from '../messaging/build-consent-actions.js';
import { locales } from '../notices/locales/index.js';
import { latestNotice } from '../notices/publish.js';
import { enqueueMessage } from '../outbox/enqueue.js';
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

/**
 * Creates the customer's consent link and, in the same transaction, queues the
 * invitation to the customer's channel and the internal note for the ticket.
 */
export async function offerConsent(tx: Tx, offer: ConsentOffer): Promise<{ link: string; noticeVersion: number }> {
  const notice = await latestNotice(tx, offer.tenantId, offer.meetingType.id, offer.language);
  if (!notice) throw new NotFoundError('NOTICE_NOT_FOUND', 'This meeting type has no privacy notice yet.');

  const { token, hash } = newJoinToken();
  await tx.insert(consentRequests).values({
    tenantId: offer.tenantId,
    callId: offer.callId,
    customerId: offer.customerId,
    tokenHash: hash,
    channel: offer.channel,
    noticeVersionId: notice.id,
    language: offer.language,
    expiresAt: new Date(Date.now() + offer.ttlSeconds * 1000),
  });
  const link = `${offer.publicBaseUrl}/c/${token}`;
  const invitation = customerInvitation(notice.content, link, { fullNotice: locales[offer.language].page.fullNoticeLink });
  const key = (what: string) => `call:${offer.callId}:${what}`;

  switch (offer.channel) {
    case 'zendesk_ticket':
      await enqueueMessage(tx, {
        tenantId: offer.tenantId,
        kind: 'zendesk.ticket_comment',
        idempotencyKey: key('invitation'),
        payload: { ticketId: offer.caseExternalId, body: invitation, public: true },
      });
      break;
    case 'zendesk_messaging':
      await enqueueMessage(tx, {
        tenantId: offer.tenantId,
        kind: 'sunco.message',
        idempotencyKey: key('invitation'),
        payload: {
          conversationId: offer.conversationId ?? offer.caseExternalId,
          text: notice.content.summary,
          actions: await buildConsentActions(tx, {
            tenantId: offer.tenantId,
            meetingTypeId: offer.meetingType.id,
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
      await enqueueMessage(tx, {
        tenantId: offer.tenantId,
        kind: 'teams.activity',
        idempotencyKey: key('invitation'),
        payload: {
          conversationId: offer.conversationId ?? offer.caseExternalId,
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
    await enqueueMessage(tx, {
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
  return { link, noticeVersion: notice.version };
}
