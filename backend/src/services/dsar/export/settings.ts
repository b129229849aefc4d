/** How long an export bundle and its download link stay valid, unless configured (DSAR_EXPORT_TTL_HOURS). */
export const DEFAULT_EXPORT_TTL_SECONDS = 7 * 24 * 3600;

/**
 * scrypt work factor (log2 N) of the bundle's passphrase stanza. The passphrase is 128 random bits,
 * so stretching adds nothing against guessing; a small factor keeps memory (16 MiB) and the
 * recipient's wait low. Every age implementation accepts it.
 */
export const SCRYPT_WORK_FACTOR = 14;

/** Where a bundle and its wrapped passphrase are kept in the blob store. */
export function exportObjectKeys(tenantId: string, exportId: string) {
  return { bundle: `exports/${tenantId}/${exportId}.age`, passphrase: `exports/${tenantId}/${exportId}.key` };
}

/** Zip entry of a recording inside the bundle. */
export const recordingEntryName = (recordingId: string) => `recordings/${recordingId}.webm`;
