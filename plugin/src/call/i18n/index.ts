import { ApiError } from '../../api';
import { de } from './de';
import { en, type MessageKey, type Messages } from './en';
import { es } from './es';
import { fr } from './fr';
import { nl } from './nl';

/**
 * The call view in the customer's language. The consent page's languages, in the same order:
 * a customer who read the notice in Dutch must not find the call in English.
 */
export const callLanguages = ['en', 'de', 'fr', 'nl', 'es'] as const;
export type CallLanguage = (typeof callLanguages)[number];
export type { MessageKey, Messages };

export const dictionaries: Record<CallLanguage, Messages> = { en, de, fr, nl, es };

export type Translate = (key: MessageKey, params?: Record<string, string>) => string;

/** The shipped language a tag such as `de`, `de-AT` or `DE_ch` names, if any. */
function shipped(tag: string | null | undefined): CallLanguage | null {
  const primary = tag?.trim().toLowerCase().split(/[-_]/)[0];
  return callLanguages.find((language) => language === primary) ?? null;
}

/**
 * `?lang=` first (the consent page passes on the language the customer read the notice in),
 * then the first browser language we ship, then English.
 */
export function chooseLanguage(search: string, browserLanguages: readonly string[]): CallLanguage {
  const asked = shipped(new URLSearchParams(search).get('lang'));
  if (asked) return asked;
  for (const tag of browserLanguages) {
    const language = shipped(tag);
    if (language) return language;
  }
  return 'en';
}

export function isMessageKey(value: string): value is MessageKey {
  return Object.hasOwn(en, value);
}

/** `{name}` placeholders are filled from `params`; one without a value stays visible rather than vanish. */
export function translator(language: CallLanguage): Translate {
  const messages = dictionaries[language];
  return (key, params = {}) => messages[key].replace(/\{(\w+)\}/g, (whole, name: string) => params[name] ?? whole);
}

/**
 * A failure whose words are a dictionary key, so they reach the user in their language.
 * `detail` carries the browser's or gateway's own words, which stay untranslated.
 */
export class LocalizedError extends Error {
  override readonly name = 'LocalizedError';
  constructor(
    readonly key: MessageKey,
    readonly detail?: string,
  ) {
    super(detail ? `${key}: ${detail}` : key);
  }
}

/** The server's error codes the call view can meet, in words; any other code gets `errorUnexpected`. */
const SERVER_ERRORS = new Map<string, MessageKey>([
  ['TOKEN_EXPIRED', 'errorTokenExpired'],
  ['TOKEN_USED', 'errorTokenUsed'],
  ['TOKEN_NOT_FOUND', 'errorTokenNotFound'],
  ['CALL_ENDED', 'errorCallEnded'],
  // Only ending the call moves it between states from this page: refused, it had ended already.
  ['CALL_STATE_CONFLICT', 'errorCallEnded'],
  ['PARTICIPANT_REMOVED', 'errorRemoved'],
  ['JANUS_UNAVAILABLE', 'errorVideoUnavailable'],
  ['NETWORK_ERROR', 'errorNetwork'],
  ['RECORDING_CONSENT_MISSING', 'errorRecordingConsentMissing'],
  ['RECORDING_NOT_OPTIONAL', 'errorRecordingNotOptional'],
  ['RECORDING_NOT_ENABLED', 'errorRecordingNotEnabled'],
  ['RECORDING_DISK_FULL', 'errorRecordingDiskFull'],
  ['CALL_NOT_ACTIVE', 'errorCallNotActive'],
  ['NOT_IN_LOBBY', 'errorNotInLobby'],
  ['UNAUTHORIZED', 'errorSessionExpired'],
  ['FORBIDDEN', 'errorForbidden'],
  ['CALL_NOT_FOUND', 'errorCallNotFound'],
]);

function serverErrorKey(error: ApiError): MessageKey {
  // 410: you were removed. 409: the agent tried to let in someone removed before.
  if (error.code === 'PARTICIPANT_REMOVED' && error.status === 409) return 'errorCustomerRemoved';
  return SERVER_ERRORS.get(error.code) ?? 'errorUnexpected';
}

/**
 * What an alert on the call view says about anything thrown: a sentence in the page's language
 * (never a bare code, never the server's English) and the request id support can look up.
 */
export function describeCallError(error: unknown, t: Translate): { message: string; requestId: string | null } {
  if (error instanceof ApiError) return { message: t(serverErrorKey(error)), requestId: error.requestId };
  if (error instanceof LocalizedError) return { message: withDetail(t(error.key), error.detail), requestId: null };
  return { message: t('errorUnexpected'), requestId: null };
}

export function withDetail(message: string, detail: string | undefined): string {
  return detail ? `${message} (${detail})` : message;
}

/**
 * Puts the page's static words into the chosen language: the text of `[data-i18n]` elements and
 * `[data-i18n-attr="attribute:key"]` attributes (aria-label, or text CSS shows from an attribute).
 */
export function translatePage(document: Document, language: CallLanguage, t: Translate): void {
  document.documentElement.lang = language;
  document.title = t('pageTitle');
  for (const element of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
    const key = element.dataset.i18n ?? '';
    if (isMessageKey(key)) element.textContent = t(key);
  }
  for (const element of document.querySelectorAll<HTMLElement>('[data-i18n-attr]')) {
    const [attribute, key] = (element.dataset.i18nAttr ?? '').split(':');
    if (attribute && key && isMessageKey(key)) element.setAttribute(attribute, t(key));
  }
}
