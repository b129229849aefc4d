import { createHash, randomBytes } from 'node:crypto';

/** 256-bit random, URL-safe. Only the hash is stored, so a database leak yields no usable link. */
export function newJoinToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashJoinToken(token) };
}

export function hashJoinToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Janus token_auth token for one participant. */
export function newMediaToken(): string {
  return randomBytes(24).toString('base64url');
}
