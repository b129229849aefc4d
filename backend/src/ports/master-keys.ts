import type { KeyEncryptionService } from '../../../media/encryption/kms.js';

/** Each tenant's master key, from the configured KMS (a local key file per tenant, or Vault Transit). */
export interface MasterKeys {
  forTenant(tenantId: string): Promise<KeyEncryptionService>;
  /**
   * Destroys the tenant's master key with every version (crypto-shredding everything wrapped under
   * it) when the account is deleted. Idempotent: a key already gone is not an error. Afterwards
   * `forTenant` refuses the tenant instead of making it a new key.
   */
  destroy(tenantId: string): Promise<void>;
}
