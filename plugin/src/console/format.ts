/** 1536 → "1.5 KB": storage figures as people read them (powers of 1024, one decimal). */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

/** A date and time in the reader's locale; "—" for none. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleDateString(undefined, { dateStyle: 'medium' });
}

/** 'YYYY-MM' → "Mar 2026"; other labels (such as "later") pass through. */
export function formatMonth(month: string): string {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  if (!match) return month;
  return new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1)).toLocaleDateString(undefined, { month: 'short', year: 'numeric', timeZone: 'UTC' });
}

export const recordingPolicyLabels = { required: 'Always recorded', optional: 'Recorded if the customer agrees', forbidden: 'Never recorded' } as const;
export const mediaLabels = { audio: 'Audio only', 'audio+video': 'Audio and video' } as const;
export const legalBasisLabels = { consent: 'Consent', legal_obligation: 'Legal obligation', legitimate_interest: 'Legitimate interest' } as const;
