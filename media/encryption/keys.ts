import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { KeyUnwrapError } from './errors.js';

// Wrapped key: version (1) ‖ random nonce (12) ‖ encrypted key (32) ‖ GCM tag (16). See media/FORMAT.md.
const WRAP_VERSION = 1;
const DATA_KEY_LENGTH = 32;
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;
export const WRAPPED_KEY_LENGTH = 1 + NONCE_LENGTH + DATA_KEY_LENGTH + TAG_LENGTH;
/** Keeps wrapped keys apart from anything else a wrapping key might ever authenticate. */
const AAD_PREFIX = 'parley key wrap v1|';
const OWNER_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** A fresh random AES-256 key: one per recording, one per data subject. */
export function newDataKey(): Buffer {
  return randomBytes(DATA_KEY_LENGTH);
}

/**
 * The context a wrapped key is bound to, used as AAD: a wrapped recording key cannot be presented
 * as another recording's key, nor as a subject key. Ids are restricted so no two contexts collide.
 */
export function keyContext(purpose: 'recording' | 'subject', ownerId: string): string {
  if (!OWNER_ID.test(ownerId)) throw new TypeError('key owner id must be 1-128 of A-Z a-z 0-9 . _ -');
  return `${purpose}:${ownerId}`;
}

function assertKey(key: Buffer, what: string): void {
  if (!Buffer.isBuffer(key) || key.length !== DATA_KEY_LENGTH) throw new TypeError(`${what} must be ${DATA_KEY_LENGTH} bytes`);
}

function wrapAad(context: string): Buffer {
  if (context.length === 0) throw new TypeError('a wrapped key needs a context');
  return Buffer.from(AAD_PREFIX + context, 'utf8');
}

/**
 * AES-256-GCM with a random nonce. A wrapping key wraps one key per recording or per subject, far
 * below the 2^32 random-nonce invocations SP 800-38D allows per key.
 */
export function wrapKey(wrappingKey: Buffer, key: Buffer, context: string): Buffer {
  assertKey(wrappingKey, 'wrapping key');
  assertKey(key, 'key to wrap');
  const nonce = randomBytes(NONCE_LENGTH);
  const cipher = createCipheriv('aes-256-gcm', wrappingKey, nonce, { authTagLength: TAG_LENGTH });
  cipher.setAAD(wrapAad(context));
  const body = Buffer.concat([cipher.update(key), cipher.final()]);
  return Buffer.concat([Buffer.from([WRAP_VERSION]), nonce, body, cipher.getAuthTag()]);
}

export function unwrapKey(wrappingKey: Buffer, wrapped: Buffer, context: string): Buffer {
  assertKey(wrappingKey, 'wrapping key');
  if (wrapped.length !== WRAPPED_KEY_LENGTH || wrapped[0] !== WRAP_VERSION) {
    throw new KeyUnwrapError('not a wrapped key of this format');
  }
  const decipher = createDecipheriv('aes-256-gcm', wrappingKey, wrapped.subarray(1, 1 + NONCE_LENGTH), { authTagLength: TAG_LENGTH });
  decipher.setAAD(wrapAad(context));
  decipher.setAuthTag(wrapped.subarray(wrapped.length - TAG_LENGTH));
  const key = decipher.update(wrapped.subarray(1 + NONCE_LENGTH, wrapped.length - TAG_LENGTH));
  try {
    decipher.final();
  } catch {
    key.fill(0);
    throw new KeyUnwrapError(`wrapped key does not open for "${context}": wrong wrapping key, wrong context, or altered`);
  }
  return key;
}
