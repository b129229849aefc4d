import { createHash } from 'node:crypto';

/** SCIM bearer tokens are random, so a plain SHA-256 is enough to find one without keeping it. */
export function hashScimToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
