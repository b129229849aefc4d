import { and, eq, ne } from 'drizzle-orm';
import { keyContext } from '../../../../media/encryption/keys.js';
import { rewrap, type WrappedKey } from '../../../../media/encryption/kms.js';
import type { Db } from '../../db/client.js';
import { subjectKeys } from '../../db/schema/index.js';
import { ConflictError } from '../../errors.js';
import type { MasterKeys } from '../../ports/master-keys.js';
import { recordAudit } from '../audit/record.js';
import { authorizeAccount } from '../access/policy.js';
import type { Principal } from '../principal.js';

const BATCH = 200;

/**
 * Starts a new master key version for the tenant and rewraps every subject key under it. Recording
 * keys and media are not touched: they hang off the subject keys. Safe to run again after an
 * interruption; each row is rewrapped only if it still names an older version.
 */
export async function rotateMasterKey(deps: { db: Db; masterKeys: MasterKeys }, principal: Principal) {
  const admin = authorizeAccount(principal, 'configure');
  const kms = await deps.masterKeys.forTenant(admin.tenantId);
  if (!kms.rotate) throw new ConflictError('KMS_CANNOT_ROTATE', 'The configured key service cannot rotate keys.');
  const keyId = await kms.rotate();
  let rewrapped = 0;
  for (;;) {
    const rows = await deps.db
      .select()
      .from(subjectKeys)
      .where(and(eq(subjectKeys.tenantId, admin.tenantId), ne(subjectKeys.masterKeyId, keyId)))
      .limit(BATCH);
    if (rows.length === 0) break;
    for (const row of rows) {
      const context = keyContext('subject', row.customerId);
      const old: WrappedKey = { keyId: row.masterKeyId, ciphertext: row.wrappedKey };
      const next = kms.rewrapInPlace ? await kms.rewrapInPlace(old, context) : await rewrap(old, context, kms, kms);
      await deps.db
        .update(subjectKeys)
        .set({ masterKeyId: next.keyId, wrappedKey: next.ciphertext, updatedAt: new Date() })
        .where(and(eq(subjectKeys.id, row.id), eq(subjectKeys.masterKeyId, row.masterKeyId)));
      rewrapped += 1;
    }
  }
  await recordAudit(deps.db, {
    tenantId: admin.tenantId,
    actor: admin,
    action: 'tenant.master_key_rotated',
    subjectType: 'tenant',
    subjectId: admin.tenantId,
    details: { keyId, rewrappedSubjectKeys: rewrapped },
  });
  return { keyId, rewrappedSubjectKeys: rewrapped };
}
