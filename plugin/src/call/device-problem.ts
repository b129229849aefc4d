/**
 * What went wrong with a camera or microphone, from the browser's error name, so the page can say
 * what to do in the customer's language (the browser's own message is English). Null: unknown.
 */
export function deviceProblem(error: unknown): 'blocked' | 'busy' | 'missing' | null {
  const name = typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '';
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') return 'blocked';
  if (name === 'NotReadableError' || name === 'TrackStartError' || name === 'AbortError') return 'busy';
  if (name === 'NotFoundError' || name === 'DevicesNotFoundError' || name === 'OverconstrainedError') return 'missing';
  return null;
}
