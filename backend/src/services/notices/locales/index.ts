import { de } from './de.js';
import { en } from './en.js';
import { es } from './es.js';
import { fr } from './fr.js';
import { nl } from './nl.js';
import type { NoticeLocale } from './types.js';

export const shippedLanguages = ['en', 'de', 'fr', 'nl', 'es'] as const;
export type ShippedLanguage = (typeof shippedLanguages)[number];

export const locales: Record<ShippedLanguage, NoticeLocale> = { en, de, fr, nl, es };

export function isShippedLanguage(value: string): value is ShippedLanguage {
  return (shippedLanguages as readonly string[]).includes(value);
}

export type { NoticeLocale };
