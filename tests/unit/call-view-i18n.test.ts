import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { shippedLanguages } from '../../backend/src/services/notices/locales/index.js';
import { ApiError } from '../../plugin/src/api.js';
import {
  callLanguages,
  chooseLanguage,
  describeCallError,
  dictionaries,
  isMessageKey,
  LocalizedError,
  translator,
  type MessageKey,
} from '../../plugin/src/call/i18n/index.js';

const en = dictionaries.en;
const keys = Object.keys(en) as MessageKey[];
const others = callLanguages.filter((language) => language !== 'en');

/**
 * Values allowed to read the same as in English: proper nouns and codes only. None today;
 * a word listed here must be one no translator would change.
 */
const SAME_AS_ENGLISH = new Set<MessageKey>([]);

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('the call view speaks the consent page’s languages', () => {
  it('ships exactly the languages the consent page ships', () => {
    expect([...callLanguages].sort()).toEqual([...shippedLanguages].sort());
  });

  it.each(others)('%s has every key, and no other', (language) => {
    expect(Object.keys(dictionaries[language]).sort()).toEqual([...keys].sort());
  });

  it.each(others)('%s translates every sentence rather than copying the English', (language) => {
    const copied = keys.filter((key) => !SAME_AS_ENGLISH.has(key) && dictionaries[language][key] === en[key]);
    expect(copied).toEqual([]);
  });

  it.each(callLanguages)('%s keeps every placeholder and leaves nothing blank', (language) => {
    for (const key of keys) {
      const text = dictionaries[language][key];
      expect(text.trim(), `${language}.${key}`).not.toBe('');
      expect(placeholders(text), `${language}.${key}`).toEqual(placeholders(en[key]));
    }
  });

  it.each(callLanguages)('%s names the buttons by the words the buttons show', (language) => {
    const words = dictionaries[language];
    expect(words.statusLeaveCallUnsent).toContain(words.hangUp);
    expect(words.statusLeaveLobbyUnsent).toContain(words.leaveLobby);
  });
});

describe('call.html gets every word from the dictionary', () => {
  const html = readFileSync(new URL('../../plugin/call.html', import.meta.url), 'utf8').replace(/<!--[\s\S]*?-->/g, '');

  it('refers only to keys that exist, and shows their English words until the script runs', () => {
    const texts = [...html.matchAll(/<(\w+)[^>]*\sdata-i18n="(\w+)"[^>]*>([^<]*)</g)];
    expect(texts.length).toBeGreaterThan(15);
    for (const [, , key, text] of texts) {
      expect(isMessageKey(key!), key).toBe(true);
      expect(text, key).toBe(en[key as MessageKey]);
    }
    const attributes = [...html.matchAll(/\sdata-i18n-attr="([\w-]+):(\w+)"/g)];
    expect(attributes.length).toBeGreaterThan(0);
    for (const [, attribute, key] of attributes) {
      expect(isMessageKey(key!), key).toBe(true);
      expect(html).toMatch(new RegExp(`\\s${attribute}="${en[key as MessageKey]}"`));
    }
  });

  it('has no visible text the dictionary does not know', () => {
    const english = new Set(Object.values(en));
    const body = html.slice(html.indexOf('<body'));
    const visible = [...body.matchAll(/>([^<]+)</g)].map((m) => m[1]!.trim()).filter((text) => text !== '');
    expect(visible.filter((text) => !english.has(text))).toEqual([]);
  });
});

describe('choosing the language', () => {
  it('takes ?lang= first: the consent page passes on the language the notice was read in', () => {
    expect(chooseLanguage('?lang=de', ['fr-FR', 'en'])).toBe('de');
    expect(chooseLanguage('?lang=nl-BE', [])).toBe('nl');
    expect(chooseLanguage('?foo=1&lang=ES', ['en'])).toBe('es');
  });

  it('ignores a lang it does not ship and asks the browser instead', () => {
    expect(chooseLanguage('?lang=it', ['it-IT', 'fr-CA', 'de'])).toBe('fr');
    expect(chooseLanguage('?lang=', ['de-AT'])).toBe('de');
  });

  it('takes the first browser language whose primary subtag is shipped', () => {
    expect(chooseLanguage('', ['pt-BR', 'nl-NL', 'de-DE'])).toBe('nl');
    expect(chooseLanguage('', ['es-419'])).toBe('es');
    expect(chooseLanguage('', ['en-GB', 'fr'])).toBe('en');
  });

  it('falls back to English', () => {
    expect(chooseLanguage('', [])).toBe('en');
    expect(chooseLanguage('?lang=xx', ['pt-BR', 'ja'])).toBe('en');
  });

  it('fills placeholders', () => {
    expect(translator('de')('transportEncrypted', { cipher: 'SRTP_AEAD_AES_128_GCM' })).toBe(
      'Bei der Übertragung verschlüsselt (DTLS-SRTP, SRTP_AEAD_AES_128_GCM)',
    );
    expect(translator('fr')('errorReference', { id: 'req-1' })).toBe('Référence req-1');
  });
});

describe('errors shown on the call view', () => {
  const apiError = (code: string, status = 400) => new ApiError(status, code, `English server text for ${code}`, 'req-42');
  const known = ['TOKEN_EXPIRED', 'TOKEN_USED', 'TOKEN_NOT_FOUND', 'CALL_ENDED', 'PARTICIPANT_REMOVED', 'JANUS_UNAVAILABLE', 'RECORDING_CONSENT_MISSING', 'NETWORK_ERROR'];

  it.each(callLanguages)('in %s, a known server code becomes a sentence of that language, never the code or the server’s English', (language) => {
    const t = translator(language);
    const sentences = Object.values(dictionaries[language]);
    for (const code of known) {
      const { message, requestId } = describeCallError(apiError(code, 410), t);
      expect(sentences, code).toContain(message);
      expect(message).not.toContain(code);
      expect(message).not.toContain('English server text');
      expect(message).not.toBe(t('errorUnexpected'));
      expect(requestId).toBe('req-42');
    }
  });

  it('words the server codes the end-to-end tests and the customer meet', () => {
    const t = translator('en');
    expect(describeCallError(apiError('TOKEN_EXPIRED', 410), t).message).toBe('This join link has expired. Ask for a new one.');
    expect(describeCallError(apiError('RECORDING_CONSENT_MISSING', 422), t).message).toMatch(/not consented to recording/);
    expect(describeCallError(apiError('TOKEN_USED', 409), translator('de')).message).toBe('Dieser Link wurde bereits verwendet. Bitte fragen Sie nach einem neuen.');
  });

  it('tells being removed (410) from trying to let in someone removed (409)', () => {
    const t = translator('en');
    expect(describeCallError(apiError('PARTICIPANT_REMOVED', 410), t).message).toBe(en.errorRemoved);
    expect(describeCallError(apiError('PARTICIPANT_REMOVED', 409), t).message).toBe(en.errorCustomerRemoved);
  });

  it.each(callLanguages)('in %s, an unknown code gets the generic sentence', (language) => {
    const t = translator(language);
    const { message, requestId } = describeCallError(apiError('SOMETHING_NEW', 500), t);
    expect(message).toBe(dictionaries[language].errorUnexpected);
    expect(requestId).toBe('req-42');
    expect(describeCallError(new TypeError('x is undefined'), t).message).toBe(dictionaries[language].errorUnexpected);
  });

  it('words a browser failure in the page language and keeps the browser’s own detail after it', () => {
    const { message } = describeCallError(new LocalizedError('microphoneUnavailable', 'NotAllowedError: Permission denied'), translator('nl'));
    expect(message).toBe('Microfoon niet beschikbaar. (NotAllowedError: Permission denied)');
    expect(describeCallError(new LocalizedError('callFull'), translator('es')).message).toBe(dictionaries.es.callFull);
  });
});
