import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import { keyContext } from '../../../../media/encryption/keys.js';
import type { Db, DbOrTx } from '../../db/client.js';
import { subjectKeys } from '../../db/schema/index.js';
import type { MasterKeys } from '../../ports/master-keys.js';
import { subjectKeyFor } from '../recordings/keys.js';

/**
 * Personal data in an audit event, sealed under the data subject's key (CHAIN.md, Sealed personal
 * data): AES-256-GCM under HKDF-SHA256(subject key, info "parley audit seal v1"), the tenant and
 * subject bound as AAD. Deleting the subject key (erasure) makes every seal of that subject
 * unreadable while the sealed text, and so the chain over it, stays as it was.
 */
export interface SealedPersonalData {
  readonly dataSubjectId: string;
  /** "v1." + base64url(nonce 12 ‖ ciphertext ‖ tag 16) */
  readonly sealed: string;
}

const VERSION = 'v1.';
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;
const INFO = Buffer.from('parley audit seal v1');

function sealKey(subjectKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', subjectKey, Buffer.alloc(0), INFO, 32));
}

const aad = (tenantId: string, customerId: string) => Buffer.from(`parley audit|${tenantId}|${customerId}`, 'utf8');

/** Seals `data` for one customer, creating their subject key on first use. Call inside the audited transaction. */
export async function sealForSubject(
  tx: DbOrTx,
  masterKeys: MasterKeys,
  tenantId: string,
  customerId: string,
  data: Record<string, string>,
): Promise<SealedPersonalData> {
  const subject = await subjectKeyFor({ db: tx as Db, masterKeys }, tenantId, customerId);
  const key = sealKey(subject.key);
  subject.key.fill(0);
  try {
    const nonce = randomBytes(NONCE_LENGTH);
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LENGTH });
    cipher.setAAD(aad(tenantId, customerId));
    const body = Buffer.concat([cipher.update(JSON.stringify(data), 'utf8'), cipher.final()]);
    return { dataSubjectId: customerId, sealed: VERSION + Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url') };
  } finally {
    key.fill(0);
  }
}

/** What a seal holds now: the data, or `erased` once the subject's key is gone. */
export type OpenedPersonalData = { state: 'open'; data: Record<string, string> } | { state: 'erased' } | { state: 'unreadable' };

/**
 * Opens seals of one tenant, looking each subject key up once. Keys are held only for the
 * lifetime of the opener: call `close()` (it zeroes them) after a batch.
 */
export function sealOpener(db: DbOrTx, masterKeys: MasterKeys, tenantId: string) {
  const keys = new Map<string, Buffer | null>();

  async function load(customerIds: string[]): Promise<void> {
    const missing = [...new Set(customerIds)].filter((id) => !keys.has(id));
    if (missing.length === 0) return;
    const rows = await db
      .select({ customerId: subjectKeys.customerId, masterKeyId: subjectKeys.masterKeyId, wrappedKey: subjectKeys.wrappedKey })
      .from(subjectKeys)
      .where(and(eq(subjectKeys.tenantId, tenantId), inArray(subjectKeys.customerId, missing)));
    const kms = rows.length > 0 ? await masterKeys.forTenant(tenantId) : undefined;
    for (const id of missing) keys.set(id, null);
    for (const row of rows) {
      const subjectKey = await kms!.unwrap({ keyId: row.masterKeyId, ciphertext: row.wrappedKey }, keyContext('subject', row.customerId));
      keys.set(row.customerId, sealKey(subjectKey));
      subjectKey.fill(0);
    }
  }

  function open(sealed: string, customerId: string): OpenedPersonalData {
    const key = keys.get(customerId);
    if (!key) return { state: 'erased' };
    if (!sealed.startsWith(VERSION)) return { state: 'unreadable' };
    const raw = Buffer.from(sealed.slice(VERSION.length), 'base64url');
    if (raw.length < NONCE_LENGTH + TAG_LENGTH) return { state: 'unreadable' };
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, NONCE_LENGTH), { authTagLength: TAG_LENGTH });
      decipher.setAAD(aad(tenantId, customerId));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_LENGTH));
      const plain = Buffer.concat([decipher.update(raw.subarray(NONCE_LENGTH, raw.length - TAG_LENGTH)), decipher.final()]);
      return { state: 'open', data: JSON.parse(plain.toString('utf8')) as Record<string, string> };
    } catch {
      return { state: 'unreadable' };
    }
  }

  return {
    /** Fetches the keys of these subjects (one query), so `open` needs no I/O. */
    prepare: load,
    open,
    close() {
      for (const key of keys.values()) key?.fill(0);
      keys.clear();
    },
  };
}

/** Opens one seal (for a single event; exports use `sealOpener`). */
export async function openSealed(db: DbOrTx, masterKeys: MasterKeys, tenantId: string, seal: SealedPersonalData): Promise<OpenedPersonalData> {
  const opener = sealOpener(db, masterKeys, tenantId);
  try {
    await opener.prepare([seal.dataSubjectId]);
    return opener.open(seal.sealed, seal.dataSubjectId);
  } finally {
    opener.close();
  }
}
