import type { KeyEncryptionService } from '../../../media/encryption/kms.js';

/** Each tenant's master key, from the configured KMS (a local key file per tenant, or Vault Transit). */
export interface MasterKeys {
  forTenant(tenantId: string): Promise<KeyEncryptionService>;
}
