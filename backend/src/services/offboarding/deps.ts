import type { Db } from '../../db/client.js';
import type { Logger } from '../../logger.js';
import type { BlobStore } from '../../ports/blob-store.js';
import type { MasterKeys } from '../../ports/master-keys.js';

/** What exporting and deleting a whole account needs. */
export interface OffboardingDeps {
  db: Db;
  logger: Logger;
  masterKeys: MasterKeys;
  stores: ReadonlyMap<string, BlobStore>;
  /** Raw recordings and work folders of the account's calls are under it. */
  dataDir: string;
  publicBaseUrl: string;
  /** How long a bundle and its link stay valid (DSAR_EXPORT_TTL_HOURS, as for data-subject exports). */
  exportTtlSeconds?: number;
}
