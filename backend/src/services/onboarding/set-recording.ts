import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { ConflictError } from '../../errors.js';
import { authorizeAccount } from '../access/policy.js';
import type { StoragePlaces } from '../notices/publish.js';
import type { Principal } from '../principal.js';
import { switchRecording } from './complete.js';
import { loadTenant } from './read.js';
import { onboardingView } from './steps.js';

export const tenantRecordingInput = z.object({ enabled: z.boolean() }).strict();

/**
 * Switches recording for the account after set-up. Switching it on before set-up is finished is
 * refused: the notice customers read must name the controller and DPO before anything is recorded.
 * Switched off, nothing new is recorded; recordings already made are kept as their retention says.
 */
export async function setTenantRecording(db: Db, principal: Principal, input: z.infer<typeof tenantRecordingInput>, places: StoragePlaces) {
  const admin = authorizeAccount(principal, 'configure');
  return db.transaction(async (tx) => {
    const tenant = await loadTenant(tx, admin.tenantId, { forUpdate: true });
    if (input.enabled && !tenant.onboardedAt) {
      throw new ConflictError('ONBOARDING_INCOMPLETE', 'Finish set-up first (POST /api/admin/onboarding/complete); it can switch recording on.');
    }
    if (input.enabled === (tenant.recordingEnabledAt !== null)) return onboardingView(tenant);
    return onboardingView(await switchRecording(tx, admin, input.enabled, places));
  });
}
