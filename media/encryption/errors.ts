/**
 * Why an encrypted recording was refused. Nothing from a chunk that fails is ever released.
 * - BAD_HEADER: not a Parley encrypted recording, an unknown version, or header fields out of range.
 * - WRONG_KEY: the key offered is not the one the file was written with (key check differs).
 * - TAMPERED: the header or a chunk fails authentication: altered, reordered, spliced, or cut inside a chunk.
 * - TRUNCATED: the data ends before the chunk that carries the final flag.
 */
export type EncryptedMediaReason = 'BAD_HEADER' | 'WRONG_KEY' | 'TAMPERED' | 'TRUNCATED';

export class EncryptedMediaError extends Error {
  override readonly name = 'EncryptedMediaError';

  constructor(
    readonly reason: EncryptedMediaReason,
    message: string,
    /** Index of the chunk that failed, where one did. */
    readonly chunkIndex?: number,
  ) {
    super(`${reason}: ${message}`);
  }
}

/** A wrapped key did not open: wrong wrapping key, wrong context (owner or purpose), or altered bytes. */
export class KeyUnwrapError extends Error {
  override readonly name = 'KeyUnwrapError';
}

/** The master key store is unusable: unsafe permissions, malformed, locked, or missing a key version. */
export class KeyStoreError extends Error {
  override readonly name = 'KeyStoreError';
}
