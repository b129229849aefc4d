import type { Db } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { MasterKeys } from '../ports/master-keys.js';
import type { MediaGateway } from '../ports/media-gateway.js';
import type { TurnSettings } from './calls/ice-servers.js';
import type { RecordsSettings } from './records/generate-document.js';
import type { SessionTokens } from './sessions/session-tokens.js';

/** What services need from the outside world; built once in main and in tests. */
export interface ServiceDeps {
  db: Db;
  media: MediaGateway;
  tokens: SessionTokens;
  logger: Logger;
  /** Base for links sent to people, e.g. https://parley.example.com */
  publicBaseUrl: string;
  joinTokenTtlSeconds: number;
  /** Raw recordings go under <dataDir>/recordings/raw/<callId>. */
  dataDir: string;
  /** STUN/TURN for browsers; absent: none (browsers ask no third party for their address). */
  turn?: TurnSettings;
  /** Recording is refused while the data dir's disk has less free space than this. */
  recordingMinFreeBytes: number;
  /** Keys and stores for playing recordings back. */
  recordings: { masterKeys: MasterKeys; stores: ReadonlyMap<string, BlobStore>; playbackTtlSeconds: number };
  /** Hands a finished call's recording to the pipeline (fire and forget). */
  onRecordingReady?: (recordingId: string) => void;
  /** The deployment as the records of processing describe it, and the Chromium that prints them. */
  records?: RecordsSettings;
}
