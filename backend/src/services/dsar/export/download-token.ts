import { createHash, randomBytes } from 'node:crypto';

/** A download link's secret part: 256 random bits, base64url. Only its SHA-256 is stored. */
export function newDownloadToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashDownloadToken(token) };
}

export function hashDownloadToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export const DOWNLOAD_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
