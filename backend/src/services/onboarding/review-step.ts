import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { tenants } from '../../db/schema/index.js';
import { ValidationError } from '../../errors.js';
import { authorizeAccount } from '../access/policy.js';
import { recordAudit } from '../audit/record.js';
import type { Principal } from '../principal.js';
import { loadTenant } from './read.js';
import { isReviewStep, onboardingView, type OnboardingStepKey } from './steps.js';

export const reviewStepInput = z.object({ reviewed: z.boolean() }).strict();

/**
 * Marks a review step (storage, meeting types, retention, roles) as looked at, or takes the mark
 * back. The settings steps are done by filling the settings, so marking them is refused.
 */
export async function reviewOnboardingStep(db: Db, principal: Principal, key: OnboardingStepKey, input: z.infer<typeof reviewStepInput>) {
  const admin = authorizeAccount(principal, 'configure');
  if (!isReviewStep(key)) {
    throw new ValidationError('STEP_NOT_REVIEWABLE', `The "${key}" step is done by filling it in the account settings (PUT /api/admin/settings), not by marking it reviewed.`);
  }
  return db.transaction(async (tx) => {
    const tenant = await loadTenant(tx, admin.tenantId, { forUpdate: true });
    const already = tenant.onboardingReviewed.includes(key);
    if (already === input.reviewed) return onboardingView(tenant);
    const reviewed = input.reviewed ? [...tenant.onboardingReviewed, key] : tenant.onboardingReviewed.filter((k) => k !== key);
    const [updated] = await tx
      .update(tenants)
      .set({ onboardingReviewed: reviewed, updatedAt: new Date() })
      .where(eq(tenants.id, admin.tenantId))
      .returning();
    await recordAudit(tx, {
      tenantId: admin.tenantId,
      actor: admin,
      action: 'tenant.onboarding_step_reviewed',
      subjectType: 'tenant',
      subjectId: admin.tenantId,
      details: { step: key, reviewed: input.reviewed },
    });
    return onboardingView(updated!);
  });
}
