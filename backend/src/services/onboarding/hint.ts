import type { DbOrTx } from '../../db/client.js';
import { decide } from '../access/policy.js';
import type { Principal } from '../principal.js';
import { loadTenant } from './read.js';

/** Where the console's set-up wizard lives. */
export const ONBOARDING_URL = '/app/console.html#/onboarding';

/**
 * What a host sign-in tells the sidebar or tab about set-up: an admin of an account not yet set up
 * is sent to the wizard; everyone else just works (and sees recording refused until it is done).
 */
export async function onboardingHint(db: DbOrTx, principal: Principal): Promise<{ required: boolean; url: string }> {
  const tenant = await loadTenant(db, principal.tenantId);
  const admin = decide(principal, 'configure', { tenantId: principal.tenantId }).allowed;
  return { required: tenant.onboardedAt === null && admin, url: ONBOARDING_URL };
}
