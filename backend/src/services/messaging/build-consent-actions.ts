import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { tenants } from '../../db/schema/index.js';
import type { OutboxPayload } from '../../ports/outbox-delivery.js';
import { asksForRecordingConsent } from '../consent/consent-token.js';
import type { NoticeContent } from '../notices/content.js';
import { locales, type ShippedLanguage } from '../notices/locales/index.js';
import { consentPostbackPayload } from './postback-payload.js';

type Action = NonNullable<OutboxPayload<'sunco.message'>['actions']>[number];

/**
 * The buttons of a messaging consent invitation. Accept and Decline are postbacks of
 * equal weight, offered only where the tenant's plan has them (Suite Professional+)
 * and one answer is all the customer gives: where recording needs its own consent,
 * a button cannot ask that, so the message carries only the link and the page asks. The
 * buttons follow the notice offered, as the page does.
 */
export async function buildConsentActions(
  tx: DbOrTx,
  input: { tenantId: string; notice: Pick<NoticeContent, 'recordingPolicy' | 'legalBasis'>; language: ShippedLanguage; link: string; token: string; noticeVersionId: string },
): Promise<Action[]> {
  const page = locales[input.language].page;
  const readNotice: Action = { type: 'link', text: page.fullNoticeLink, uri: input.link };

  const [tenant] = await tx.select({ postbacks: tenants.messagingPostbacks }).from(tenants).where(eq(tenants.id, input.tenantId));
  if (!tenant?.postbacks) return [readNotice];
  if (asksForRecordingConsent(input.notice)) return [readNotice];

  const answer = (join: boolean) => consentPostbackPayload({ token: input.token, noticeVersionId: input.noticeVersionId, join });
  return [
    { type: 'postback', text: input.notice.recordingPolicy === 'required' ? page.acceptRecordedCall : page.joinNow, payload: answer(true) },
    { type: 'postback', text: page.declineCall, payload: answer(false) },
    readNotice,
  ];
}
