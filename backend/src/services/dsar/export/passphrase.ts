import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { z } from 'zod';
import type { BlobStore } from '../../../ports/blob-store.js';
import type { MasterKeys } from '../../../ports/master-keys.js';

/**
 * The bundle passphrase: 128 random bits written as 26 lowercase base32 letters in groups of four,
 * easy to read out or type. It is derived from a 32-byte secret so the secret can be wrapped by the
 * tenant master key like any data key, and kept (wrapped) only until it is handed over once.
 */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

export function newPassphraseSecret(): Buffer {
  return randomBytes(32);
}

export function passphraseFrom(secret: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of secret.subarray(0, 16)) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out.match(/.{1,4}/g)!.join('-');
}

/** Binds the wrapped secret to this one export: it opens for no other purpose and no other bundle. */
const contextFor = (exportId: string) => `dsar-export:${exportId}`;

const storedShape = z.object({ keyId: z.string().min(1), ciphertext: z.string().min(1) });

/** Wraps the secret under the tenant master key and stores it next to the bundle. */
export async function storeWrappedSecret(masterKeys: MasterKeys, store: BlobStore, tenantId: string, exportId: string, key: string, secret: Buffer): Promise<void> {
  const kms = await masterKeys.forTenant(tenantId);
  const wrapped = await kms.wrap(secret, contextFor(exportId));
  const body = Buffer.from(JSON.stringify({ keyId: wrapped.keyId, ciphertext: wrapped.ciphertext.toString('base64') }));
  await store.put(key, Readable.from([body]), body.length);
}

/** The stored secret, or null once it was handed over (the object is gone). */
export async function readWrappedSecret(masterKeys: MasterKeys, store: BlobStore, tenantId: string, exportId: string, key: string): Promise<Buffer | null> {
  if (!(await store.head(key))) return null;
  const reader = await store.open(key);
  let raw: Buffer;
  try {
    const { size } = await reader.stat();
    raw = Buffer.alloc(size);
    let at = 0;
    while (at < size) {
      const { bytesRead } = await reader.read(raw, at, size - at, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
  } finally {
    await reader.close();
  }
  const stored = storedShape.parse(JSON.parse(raw.toString('utf8')));
  const kms = await masterKeys.forTenant(tenantId);
  return kms.unwrap({ keyId: stored.keyId, ciphertext: Buffer.from(stored.ciphertext, 'base64') }, contextFor(exportId));
}

/** The passphrase still to hand over, and how to forget it once it has been. */
export interface PendingPassphrase {
  passphrase: string | null;
  /** Deletes the wrapped copy and checks it is gone; nothing to do when there was none. */
  forget(): Promise<void>;
}

/**
 * Hands the passphrase over once: unwraps it now, and the caller calls `forget` as the last step of
 * its transaction, after everything else that can fail (the link, the audit event), so a failure
 * before leaves it stored (nobody received it; the call can be repeated) and a second call gets
 * null. The caller holds the export's row lock, so two racing calls cannot both receive it.
 */
export async function takePassphraseOnce(masterKeys: MasterKeys, store: BlobStore, tenantId: string, exportId: string, key: string): Promise<PendingPassphrase> {
  const secret = await readWrappedSecret(masterKeys, store, tenantId, exportId, key);
  if (!secret) return { passphrase: null, forget: async () => {} };
  const passphrase = passphraseFrom(secret);
  secret.fill(0);
  return {
    passphrase,
    async forget() {
      await store.delete(key);
      if (await store.head(key)) throw new Error('the wrapped passphrase is still stored after deleting it');
    },
  };
}
