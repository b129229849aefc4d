import { isShippedLanguage, type ShippedLanguage } from './locales/index.js';

/**
 * The first shipped language among the customer's preferences (host locale,
 * then the browser's Accept-Language order), else the tenant's default.
 */
export function pickLanguage(preferences: readonly (string | null | undefined)[], fallback: string): ShippedLanguage {
  return preferredLanguage(preferences) ?? (isShippedLanguage(fallback) ? fallback : 'en');
}

/** The first shipped language among the preferences, or null when none is shipped. */
export function preferredLanguage(preferences: readonly (string | null | undefined)[]): ShippedLanguage | null {
  for (const preference of preferences) {
    const primary = preference?.trim().toLowerCase().split(/[-_]/)[0];
    if (primary && isShippedLanguage(primary)) return primary;
  }
  return null;
}
