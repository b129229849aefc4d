import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db, Tx } from '../../db/client.js';
import { tenants } from '../../db/schema/index.js';
import { ConflictError } from '../../errors.js';
import { authorizeAccount } from '../access/policy.js';
import { recordAudit } from '../audit/record.js';
import { publishNotices, type StoragePlaces } from '../notices/publish.js';
import type { AgentPrincipal, Principal } from '../principal.js';
import { loadTenant } from './read.js';
import { missingSteps, onboardingView } from './steps.js';

export const completeOnboardingInput = z.object({ enableRecording: z.boolean() }).strict();

/**
 * Finishes set-up once every step is done, and switches recording on if the admin says so: until
 * then the account records nothing. Finishing again later changes nothing already set, except that
 * it can still switch recording on.
 */
export async function completeOnboarding(db: Db, principal: Principal, input: z.infer<typeof completeOnboardingInput>, places: StoragePlaces) {
  const admin = authorizeAccount(principal, 'configure');
  return db.transaction(async (tx) => {
    const tenant = await loadTenant(tx, admin.tenantId, { forUpdate: true });
    const missing = missingSteps(tenant);
    if (missing.length > 0) {
      throw new ConflictError('ONBOARDING_INCOMPLETE', `Set-up is not finished. Missing steps: ${missing.join(', ')}.`);
    }
    const now = new Date();
    let updated = tenant;
    if (!tenant.onboardedAt) {
      updated = await save(tx, admin.tenantId, { onboardedAt: now });
      await recordAudit(tx, { tenantId: admin.tenantId, actor: admin, action: 'tenant.onboarded', subjectType: 'tenant', subjectId: admin.tenantId, details: { enableRecording: input.enableRecording } });
    }
    if (input.enableRecording && !tenant.recordingEnabledAt) updated = await switchRecording(tx, admin, true, places);
    return onboardingView(updated);
  });
}

async function save(tx: Tx, tenantId: string, change: Partial<typeof tenants.$inferInsert>) {
  const [row] = await tx
    .update(tenants)
    .set({ ...change, updatedAt: new Date() })
    .where(eq(tenants.id, tenantId))
    .returning();
  return row!;
}

/**
 * Switches recording for the whole account, audited; the caller holds the tenant row. The notices
 * follow in the same transaction: customers are told about recording, and asked, only while it is on.
 */
export async function switchRecording(tx: Tx, admin: AgentPrincipal, enabled: boolean, places: StoragePlaces) {
  const updated = await save(tx, admin.tenantId, { recordingEnabledAt: enabled ? new Date() : null });
  const noticeVersionsPublished = await publishNotices(tx, admin.tenantId, places, admin.agentId);
  await recordAudit(tx, {
    tenantId: admin.tenantId,
    actor: admin,
    action: enabled ? 'tenant.recording_enabled' : 'tenant.recording_disabled',
    subjectType: 'tenant',
    subjectId: admin.tenantId,
    details: { noticeVersionsPublished },
  });
  return updated;
}
