/** A key wrapped by a master key, with the id of the master key version that can unwrap it. */
export interface WrappedKey {
  keyId: string;
  ciphertext: Buffer;
}

/**
 * Port to the tenant master key (a local key file, or Vault Transit). The master key never
 * leaves the service; callers hand it data keys to wrap. `context` is bound as AAD, so a wrapped
 * key opens only for the owner and purpose it was wrapped for (see `keyContext`).
 */
export interface KeyEncryptionService {
  /** The master key version new wraps use. */
  readonly keyId: string;
  wrap(plaintextKey: Buffer, context: string): Promise<WrappedKey>;
  /** Throws `KeyUnwrapError` on a wrong context or altered ciphertext, `KeyStoreError` on an unknown version. */
  unwrap(wrapped: WrappedKey, context: string): Promise<Buffer>;
  /** Starts a new master key version for new wraps; older versions still unwrap until retired. */
  rotate?(): Promise<string>;
  /**
   * Re-wraps under the current version without the key ever leaving the service (Vault's rewrap).
   * Absent: callers unwrap and wrap again through `rewrap`.
   */
  rewrapInPlace?(wrapped: WrappedKey, context: string): Promise<WrappedKey>;
}

/**
 * Re-wraps one key under `to`'s current master key. Master-key rotation (from = to = the same
 * service after `rotate()`) and migration between services (local file to Vault) both rewrap the
 * wrapped subject keys only: recording keys and media stay as they are.
 */
export async function rewrap(
  wrapped: WrappedKey,
  context: string,
  from: KeyEncryptionService,
  to: KeyEncryptionService,
): Promise<WrappedKey> {
  const key = await from.unwrap(wrapped, context);
  try {
    return await to.wrap(key, context);
  } finally {
    key.fill(0);
  }
}
