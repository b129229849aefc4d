import type { Db } from '../../db/client.js';
import type { dsarRequests } from '../../db/schema/index.js';
import type { Logger } from '../../logger.js';
import type { BlobStore } from '../../ports/blob-store.js';
import type { MasterKeys } from '../../ports/master-keys.js';

/** What working a data-subject request needs: the database, keys and stores, and where links point. */
export interface DsarJobDeps {
  db: Db;
  logger: Logger;
  masterKeys: MasterKeys;
  stores: ReadonlyMap<string, BlobStore>;
  publicBaseUrl: string;
  dataDir: string;
}

export type DsarRequestRow = typeof dsarRequests.$inferSelect;

/** Reports work done so far; stored on the request so the DPO (and the CLI's progress bar) can follow it. */
export type DsarProgress = (done: number, total: number) => Promise<void>;

/** How a run of a request ended: the state it moves to and what is recorded about it. */
export interface DsarRunResult {
  state: 'completed' | 'refused' | 'partially_refused';
  outcome: Record<string, unknown>;
  /** For a lawful refusal that ends when a retention period does: run the request again then. */
  retryAt?: Date;
}
