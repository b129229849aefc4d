import { eq } from 'drizzle-orm';
import { customers, tenants } from '../../db/schema/index.js';
import { NotFoundError } from '../../errors.js';
import type { ServiceDeps } from '../deps.js';
import { pickLanguage } from '../notices/language.js';
import { locales, shippedLanguages, type ShippedLanguage } from '../notices/locales/index.js';
import { latestNotice } from '../notices/publish.js';
import { asksForRecordingConsent, loadConsentRequest } from './consent-token.js';

/**
 * What the consent page shows: the notice in the customer's language (an explicit
 * choice, then the host's locale, then the browser's), and which choices to offer.
 */
export async function viewConsent(deps: Pick<ServiceDeps, 'db'>, token: string, preferences: { chosen?: string; acceptLanguages: string[] }) {
  const { request, meetingType } = await loadConsentRequest(deps.db, token);
  const [tenant] = await deps.db.select().from(tenants).where(eq(tenants.id, request.tenantId));
  const [customer] = await deps.db.select({ locale: customers.locale }).from(customers).where(eq(customers.id, request.customerId));
  const language = pickLanguage([preferences.chosen, customer?.locale, ...preferences.acceptLanguages], tenant?.defaultLanguage ?? request.language);
  const notice = await latestNotice(deps.db, request.tenantId, meetingType.id, language);
  if (!notice) throw new NotFoundError('NOTICE_NOT_FOUND', 'This meeting type has no privacy notice yet.');
  return {
    language,
    texts: locales[language],
    notice: notice.content,
    noticeVersionId: notice.id,
    noticeVersion: notice.version,
    noticeHash: notice.contentHash,
    choices: {
      askRecording: asksForRecordingConsent(notice.content),
      recordingRequiredByLaw: notice.content.recordingPolicy === 'required',
    },
    alternativeContact: tenant?.alternativeContact ?? tenant?.controllerContact ?? null,
    otherLanguages: shippedLanguages
      .filter((l): l is ShippedLanguage => l !== language)
      .map((l) => ({ code: l, name: locales[l].languageName })),
  };
}
export type ConsentView = Awaited<ReturnType<typeof viewConsent>>;
