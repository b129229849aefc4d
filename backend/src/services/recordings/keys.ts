import { and, eq, isNull, ne } from 'drizzle-orm';
import { keyContext, newDataKey, unwrapKey, wrapKey } from '../../../../media/encryption/keys.js';
import type { Db } from '../../db/client.js';
import { recordings, subjectKeys } from '../../db/schema/index.js';
import type { MasterKeys } from '../../ports/master-keys.js';

/**
 * The key hierarchy of media/FORMAT.md: tenant master key (KMS) → subject key (one per customer,
 * in `subject_keys`) → recording key (in `recordings.wrapped_key`). Plaintext keys live only in
 * memory while a file is encrypted or read; callers zero them when done.
 */
export interface KeyDeps {
  db: Db;
  masterKeys: MasterKeys;
}

/** The customer's subject key, created on first use. Two racing creators end up with one row. */
export async function subjectKeyFor(deps: KeyDeps, tenantId: string, customerId: string): Promise<{ id: string; key: Buffer }> {
  const kms = await deps.masterKeys.forTenant(tenantId);
  const context = keyContext('subject', customerId);
  let [row] = await deps.db.select().from(subjectKeys).where(and(eq(subjectKeys.tenantId, tenantId), eq(subjectKeys.customerId, customerId)));
  if (!row) {
    const fresh = newDataKey();
    const wrapped = await kms.wrap(fresh, context);
    fresh.fill(0);
    await deps.db.insert(subjectKeys).values({ tenantId, customerId, masterKeyId: wrapped.keyId, wrappedKey: wrapped.ciphertext }).onConflictDoNothing();
    [row] = await deps.db.select().from(subjectKeys).where(and(eq(subjectKeys.tenantId, tenantId), eq(subjectKeys.customerId, customerId)));
    if (!row) throw new Error('subject key vanished right after it was written');
  }
  return { id: row.id, key: await kms.unwrap({ keyId: row.masterKeyId, ciphertext: row.wrappedKey }, context) };
}

interface RecordingKeyRow {
  id: string;
  tenantId: string;
  customerId: string;
  stage: string;
  wrappedKey: Buffer | null;
}

/**
 * The recording's key: unwrapped when it has one, otherwise created and stored before any byte is
 * encrypted under it, so no ciphertext ever exists without its wrapped key.
 */
export async function recordingKeyFor(deps: KeyDeps, recording: RecordingKeyRow): Promise<Buffer> {
  // A deleted recording's key was destroyed on purpose; making a new one would only hide that.
  if (recording.stage === 'deleted') throw new Error(`the key of recording ${recording.id} was destroyed`);
  const subject = await subjectKeyFor(deps, recording.tenantId, recording.customerId);
  const context = keyContext('recording', recording.id);
  try {
    if (recording.wrappedKey) return unwrapKey(subject.key, recording.wrappedKey, context);
    const key = newDataKey();
    const stored = await deps.db
      .update(recordings)
      .set({ wrappedKey: wrapKey(subject.key, key, context), subjectKeyId: subject.id, updatedAt: new Date() })
      .where(and(eq(recordings.id, recording.id), isNull(recordings.wrappedKey), ne(recordings.stage, 'deleted')))
      .returning({ id: recordings.id });
    if (stored.length === 1) return key;
    key.fill(0);
    const [row] = await deps.db.select({ wrappedKey: recordings.wrappedKey }).from(recordings).where(eq(recordings.id, recording.id));
    if (!row?.wrappedKey) throw new Error('recording key vanished right after it was written');
    return unwrapKey(subject.key, row.wrappedKey, context);
  } finally {
    subject.key.fill(0);
  }
}

/**
 * The recording key from rows already in hand (a stored recording and its subject key), for
 * playback, where every range request opens the recording again and a query saved counts.
 */
export async function unwrapRecordingKey(
  masterKeys: MasterKeys,
  recording: { id: string; tenantId: string; wrappedKey: Buffer | null },
  subject: { customerId: string; masterKeyId: string; wrappedKey: Buffer },
): Promise<Buffer> {
  if (!recording.wrappedKey) throw new Error(`recording ${recording.id} has no key`);
  const kms = await masterKeys.forTenant(recording.tenantId);
  const subjectKey = await kms.unwrap({ keyId: subject.masterKeyId, ciphertext: subject.wrappedKey }, keyContext('subject', subject.customerId));
  try {
    return unwrapKey(subjectKey, recording.wrappedKey, keyContext('recording', recording.id));
  } finally {
    subjectKey.fill(0);
  }
}
