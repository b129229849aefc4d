import { ValidationError } from '../../errors.js';

/**
 * Keyset paging: a list sorted by a unique key hands out, with each page, the key of the last row
 * it showed, and the next page starts after it. Rows written or removed meanwhile move nothing
 * else, as an offset would. The cursor is opaque to clients (base64url of the key's parts).
 */
export function encodeCursor(key: readonly string[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** A key of `N` parts, as a tuple. */
export type CursorKey<N extends number, Parts extends string[] = []> = Parts['length'] extends N ? Parts : CursorKey<N, [...Parts, string]>;

export const UUID_PATTERN = /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i;

/**
 * The key a cursor of this list carries, or 400 INVALID_CURSOR: `valid` checks each part is what
 * the list writes, so a made-up cursor never reaches the database as a malformed value.
 */
export function decodeCursor<N extends number>(text: string, parts: N, valid: (key: CursorKey<N>) => boolean): CursorKey<N> {
  try {
    const key = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(key) && key.length === parts && key.every((part) => typeof part === 'string') && valid(key as CursorKey<N>)) {
      return key as CursorKey<N>;
    }
  } catch {
    // Falls through to the refusal below.
  }
  throw new ValidationError('INVALID_CURSOR', 'cursor: not a cursor this list handed out.');
}
