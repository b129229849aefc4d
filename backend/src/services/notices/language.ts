import { isShippedLanguage, type ShippedLanguage } from './locales/index.js';

/**
 * The first shipped language among the customer's preferences (host locale,
 * then the browser's Accept-Language order), else the tenant's default.
 */
export function pickLanguage(preferences: readonly (string | null | undefined)[], fallback: string): ShippedLanguage {
  for (const preference of preferences) {
    const primary = preference?.trim().toLowerCase().split(/[-_]/)[0];
    if (primary && isShippedLanguage(primary)) return primary;
  }
  return isShippedLanguage(fallback) ? fallback : 'en';
}
