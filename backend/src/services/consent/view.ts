import { eq } from 'drizzle-orm';
import { consentRequests, customers, tenants } from '../../db/schema/index.js';
import { hashJoinToken } from '../calls/join-token.js';
import { NotFoundError } from '../../errors.js';
import type { ServiceDeps } from '../deps.js';
import { pickLanguage } from '../notices/language.js';
import { locales, shippedLanguages, type ShippedLanguage } from '../notices/locales/index.js';
import { latestNotice } from '../notices/publish.js';
import { answerPathOf, asksForRecordingConsent, loadConsentRequest } from './consent-token.js';

type LanguagePreferences = { chosen?: string; acceptLanguages: string[] };

/**
 * What the consent page shows: the notice in the customer's language (an explicit
 * choice, then the host's locale, then the browser's), and which choices to offer.
 */
export async function viewConsent(deps: Pick<ServiceDeps, 'db'>, token: string, preferences: LanguagePreferences) {
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
    /** Where the customer answers: here, or (an offer made in a Teams chat) on the card there only. */
    answerPath: answerPathOf(request.channel),
    alternativeContact: tenant?.alternativeContact ?? tenant?.controllerContact ?? null,
    otherLanguages: shippedLanguages
      .filter((l): l is ShippedLanguage => l !== language)
      .map((l) => ({ code: l, name: locales[l].languageName })),
  };
}
export type ConsentView = Awaited<ReturnType<typeof viewConsent>>;

/**
 * The language of a page about a link that cannot be shown (expired, decided, unknown): chosen as
 * the notice's is, from what is still known of the link, so a German customer on an English
 * browser reads "expired" in German too.
 */
export async function consentLinkLanguage(deps: Pick<ServiceDeps, 'db'>, token: string, preferences: LanguagePreferences): Promise<ShippedLanguage> {
  const [link] = await deps.db
    .select({ locale: customers.locale, defaultLanguage: tenants.defaultLanguage, offered: consentRequests.language })
    .from(consentRequests)
    .innerJoin(customers, eq(customers.id, consentRequests.customerId))
    .innerJoin(tenants, eq(tenants.id, consentRequests.tenantId))
    .where(eq(consentRequests.tokenHash, hashJoinToken(token)));
  return pickLanguage([preferences.chosen, link?.locale, ...preferences.acceptLanguages], link?.defaultLanguage ?? link?.offered ?? 'en');
}
