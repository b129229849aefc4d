import path from 'node:path';
import { KeyStoreError } from '../../media/encryption/errors.js';
import type { KeyEncryptionService } from '../../media/encryption/kms.js';
import { LocalKeyFileKms } from '../../media/encryption/local-key-file-kms.js';
import { VaultTransitKms } from './adapters/kms/vault-transit-kms.js';
import { LocalBlobStore } from './adapters/storage/local-blob-store.js';
import { S3BlobStore } from './adapters/storage/s3-blob-store.js';
import type { Config } from './config.js';
import type { BlobStore } from './ports/blob-store.js';
import type { MasterKeys } from './ports/master-keys.js';

export interface RecordingStores {
  masterKeys: MasterKeys;
  /** By location name; "local" is always there. */
  stores: Map<string, BlobStore>;
}

/** The KMS and blob stores the config names. Keys and blobs are opened lazily, per tenant and per use. */
export function openRecordingStores(config: Pick<Config, 'dataDir' | 'storage' | 'kms'>): RecordingStores {
  const stores = new Map<string, BlobStore>([['local', new LocalBlobStore(path.join(config.dataDir, 'store'), 'local', config.storage.localRegion)]]);
  for (const location of config.storage.s3) {
    stores.set(
      location.name,
      new S3BlobStore({
        location: location.name,
        region: location.region,
        bucket: location.bucket,
        prefix: location.prefix,
        endpoint: location.endpoint,
        forcePathStyle: location.forcePathStyle,
        credentials: location.accessKeyId && location.secretAccessKey ? { accessKeyId: location.accessKeyId, secretAccessKey: location.secretAccessKey } : undefined,
      }),
    );
  }
  return { masterKeys: masterKeysFor(config), stores };
}

function masterKeysFor(config: Pick<Config, 'dataDir' | 'kms'>): MasterKeys {
  const opened = new Map<string, Promise<KeyEncryptionService>>();
  // In this process only: another instance that still holds an opened key drops it when it restarts.
  const destroyed = new Set<string>();
  const keyFile = (tenantId: string) => path.join(config.dataDir, 'keys', `${tenantId}.json`);
  const vaultKey = (kms: Extract<Config['kms'], { provider: 'vault' }>, tenantId: string) => ({
    address: kms.address,
    token: kms.token,
    namespace: kms.namespace,
    mount: kms.mount,
    keyName: `${kms.keyPrefix}${tenantId}`,
  });
  const open = (tenantId: string): Promise<KeyEncryptionService> => {
    const kms = config.kms;
    switch (kms.provider) {
      case 'local':
        return LocalKeyFileKms.open(keyFile(tenantId));
      case 'vault':
        return VaultTransitKms.connect({ ...vaultKey(kms, tenantId), createIfMissing: true });
      default: {
        const unknown: never = kms;
        throw new Error(`unknown KMS provider ${String(unknown)}`);
      }
    }
  };
  return {
    async destroy(tenantId) {
      if (!/^[0-9a-f-]{36}$/.test(tenantId)) throw new TypeError('tenant id is not a uuid');
      destroyed.add(tenantId);
      opened.delete(tenantId);
      const kms = config.kms;
      switch (kms.provider) {
        case 'local':
          await LocalKeyFileKms.destroy(keyFile(tenantId));
          return;
        case 'vault':
          await VaultTransitKms.destroy(vaultKey(kms, tenantId));
          return;
        default: {
          const unknown: never = kms;
          throw new Error(`unknown KMS provider ${String(unknown)}`);
        }
      }
    },
    forTenant(tenantId) {
      if (!/^[0-9a-f-]{36}$/.test(tenantId)) return Promise.reject(new TypeError('tenant id is not a uuid'));
      // Opening would quietly make a new, empty key for an account that was deleted.
      if (destroyed.has(tenantId)) return Promise.reject(new KeyStoreError(`the master key of tenant ${tenantId} was destroyed`));
      let kms = opened.get(tenantId);
      if (!kms) {
        kms = open(tenantId);
        // A failed open (Vault down) is retried next time instead of being cached.
        kms.catch(() => opened.delete(tenantId));
        opened.set(tenantId, kms);
      }
      return kms;
    },
  };
}
