import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { tenants } from '../../db/schema/index.js';
import { PolicyViolation } from '../../errors.js';

/** Whether an admin has switched recording on for the account; until then the server records nothing. */
export async function recordingAllowedForTenant(db: DbOrTx, tenantId: string): Promise<boolean> {
  const [tenant] = await db.select({ recordingEnabledAt: tenants.recordingEnabledAt }).from(tenants).where(eq(tenants.id, tenantId));
  return !!tenant?.recordingEnabledAt;
}

/** The one check before anything would be recorded: escalating a must-record type, switching recording on, starting it. */
export async function assertRecordingAllowed(db: DbOrTx, tenantId: string): Promise<void> {
  if (await recordingAllowedForTenant(db, tenantId)) return;
  throw new PolicyViolation(
    'RECORDING_NOT_ENABLED',
    'Recording is not switched on for this account yet. An admin must finish set-up in the Parley console (Onboarding) and enable recording first.',
  );
}
