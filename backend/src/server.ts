import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { JanusGateway } from './adapters/janus/gateway.js';
import { startManagedNodes, type ManagedNodes } from './adapters/janus/managed-nodes.js';
import { FfmpegComposer } from './adapters/recording/ffmpeg-composer.js';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/client.js';
import { createLogger, type Logger } from './logger.js';
import { sessionSecret } from './secrets.js';
import { openRecordingStores } from './recording-stores.js';
import { endAbandonedCalls } from './services/calls/end-abandoned.js';
import { expireUnjoinedCalls } from './services/calls/expire-unjoined.js';
import { retryMediaRelease } from './services/calls/teardown-media.js';
import { sweepStaleTempFiles } from './services/stale-temp-files.js';
import { createMediaWatchdog } from './services/calls/fail-on-lost-media.js';
import { createTicker } from './services/ticker.js';
import { findLocationProblems } from './services/recordings/check-locations.js';
import { refreshAllNotices } from './services/notices/refresh.js';
import { deleteDueRecordings } from './services/recordings/delete-due.js';
import { removeFailedRawMedia, sweepOrphanedRawMedia } from './services/recordings/sweep-raw.js';
import { deleteDueCallData } from './services/retention/delete-due-call-data.js';
import { sweepExpiredExports } from './services/dsar/export/sweep-expired.js';
import { sweepExpiredNonces } from './services/identity/one-time-values.js';
import { newLeaseOwner } from './services/recordings/claim.js';
import { createRecordingWorker } from './services/recordings/worker.js';
import { createOutboxWorker } from './services/outbox/worker.js';
import { createDsarWorker } from './services/dsar/worker.js';
import { SessionTokens } from './services/sessions/session-tokens.js';
import { createHostIdentity, hostIdentitySettings } from './services/identity/host-identity.js';
import { describeDeployment } from './services/records/describe-deployment.js';
import { startVendors, type Vendors } from './vendors.js';

export interface RunningParley {
  /** Where the HTTP server listens, e.g. http://127.0.0.1:3000 */
  url: string;
  publicBaseUrl: string;
  database: Database;
  gateway: JanusGateway;
  vendors: Vendors;
  logger: Logger;
  stop(): Promise<void>;
}

const staticDir = fileURLToPath(new URL('../../plugin/dist', import.meta.url));
/** A running call whose room has been empty, with nobody joining or leaving, this long is over. */
const ABANDONED_AFTER_MS = 5 * 60_000;

/** Starts the whole backend from a parsed config: database, media nodes, HTTP server. */
export async function startParley(config: Config, options: { logger?: Logger } = {}): Promise<RunningParley> {
  const logger = options.logger ?? createLogger(config.logLevel);
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });

  const database = await openDatabase({ url: config.databaseUrl, poolSize: config.databasePoolSize, dataDir: config.dataDir });
  await database.migrate();

  const listenUrl = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
  let managed: ManagedNodes | undefined;
  const nodes =
    config.janus.mode === 'external'
      ? config.janus.nodes
      : (managed = await startManagedNodes({
          count: config.janus.nodes,
          dataDir: config.dataDir,
          bindAddress: config.janus.bindAddress,
          publicHost: config.janus.publicHost ?? new URL(config.publicBaseUrl ?? listenUrl).hostname,
          iceInterface: config.janus.iceInterface,
          commandPrefix: config.janus.commandPrefix,
        })).nodes;
  const gateway = new JanusGateway(nodes);

  const vendors = await startVendors(config, database.db, logger);
  const outbox = createOutboxWorker({ db: database.db, logger: logger.child({ component: 'outbox' }), deliverers: vendors.deliverers, ...config.outbox });

  const tokens = new SessionTokens(await sessionSecret(config.sessionSecret, config.dataDir));
  let publicBaseUrl = config.publicBaseUrl ?? listenUrl;
  const { masterKeys, stores } = openRecordingStores(config);
  for (const problem of await findLocationProblems(database.db, stores)) {
    logger.warn(problem, 'a meeting type records to a storage location that is missing or outside its tenant\'s regions; its recordings will wait');
  }
  // In the background: notices follow a storage region changed in the configuration.
  const stopping = new AbortController();
  const noticesRefreshed = refreshAllNotices({ db: database.db, places: stores, logger, signal: stopping.signal }).then(
    (result) => {
      if (result.published > 0 || result.failed > 0) logger.info(result, 'notices brought up to date with this deployment');
    },
    (error: unknown) => logger.warn({ err: error }, 'bringing notices up to date failed'),
  );
  const recordingWorker = createRecordingWorker(
    {
      db: database.db,
      composer: new FfmpegComposer(),
      masterKeys,
      stores,
      logger: logger.child({ component: 'recordings' }),
      dataDir: config.dataDir,
      get publicBaseUrl() {
        return publicBaseUrl;
      },
      lease: { owner: newLeaseOwner(), ms: config.recordings.leaseMs },
      retry: { baseDelayMs: config.recordings.retryBaseMs, maxDelayMs: config.recordings.retryMaxMs },
      maxComposeAttempts: 5,
    },
    { pollIntervalMs: config.recordings.pollIntervalMs },
  );
  const dsarWorker = createDsarWorker(
    {
      db: database.db,
      logger: logger.child({ component: 'dsar' }),
      masterKeys,
      stores,
      get publicBaseUrl() {
        return publicBaseUrl;
      },
      dataDir: config.dataDir,
      ticketNotes: vendors.ticketNotes,
      chatMessages: vendors.chatMessages,
      lease: { owner: newLeaseOwner(), ms: config.dsar.leaseMs },
      retry: { baseDelayMs: 60_000, maxDelayMs: 3_600_000 },
      exportTtlSeconds: config.dsarExportTtlSeconds,
    },
    { pollIntervalMs: config.dsar.pollIntervalMs },
  );
  const deps = {
    db: database.db,
    media: gateway,
    tokens,
    logger,
    get publicBaseUrl() {
      return publicBaseUrl;
    },
    joinTokenTtlSeconds: config.joinTokenTtlSeconds,
    turn: config.turn,
    dataDir: config.dataDir,
    recordingMinFreeBytes: config.recordings.minFreeBytes,
    onRecordingReady: (recordingId: string) => recordingWorker.nudge(recordingId),
    onDsarReceived: () => dsarWorker.nudge(),
    dsarExportTtlSeconds: config.dsarExportTtlSeconds,
    recordings: { masterKeys, stores, playbackTtlSeconds: config.recordings.playbackTtlSeconds },
    records: { chromiumPath: config.chromiumPath, deployment: describeDeployment(config) },
    demo: config.demo,
    staticDir,
    suncoWebhook: vendors.suncoWebhook,
    teamsBot: vendors.teamsBot,
    identity: createHostIdentity(hostIdentitySettings(config)),
    demoTicketComments: vendors.fakes ? (ticketId: string) => vendors.fakes!.zendesk.comments(ticketId) : undefined,
    readiness: {
      database: () => database.ping(),
      janus: async () => {
        const health = await gateway.health();
        if (!health.some((node) => node.healthy)) throw new Error('no healthy Janus node');
      },
    },
  };
  const app = createApp(deps);

  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = listenUrl.replace(/:\d+$/, `:${port}`);
  if (!config.publicBaseUrl) publicBaseUrl = url;
  logger.info({ url, database: database.kind, janusNodes: nodes.length, demo: config.demo }, 'parley is up');

  await recordingWorker.start();
  const watchdog = createMediaWatchdog({ ...deps, logger: logger.child({ component: 'media-watchdog' }) }, { intervalMs: 2_000, graceMs: config.mediaLossGraceMs });
  watchdog.start();
  const expiry = createTicker(
    async () => {
      await expireUnjoinedCalls(deps, new Date(Date.now() - config.callUnjoinedTtlSeconds * 1000));
      // Calls everyone left without pressing End: their recordings wait for the end.
      await endAbandonedCalls(deps, ABANDONED_AFTER_MS);
      // Rooms and tokens of finished calls that a node could not release when they ended.
      await retryMediaRelease(deps);
    },
    30_000,
    (error) => logger.warn({ err: error }, 'expiring unjoined calls or releasing media failed'),
  );
  expiry.start();
  const retention = createTicker(
    async () => {
      const { shredded, blobsRemoved } = await deleteDueRecordings({ db: database.db, stores, logger });
      if (shredded + blobsRemoved > 0) logger.info({ shredded, blobsRemoved }, 'recordings past their retention deleted');
      // Plaintext nobody will process: raw media without a job, and that of recordings given up on.
      await sweepOrphanedRawMedia({ db: database.db, dataDir: config.dataDir, logger });
      const failedRemoved = await removeFailedRawMedia({ db: database.db, dataDir: config.dataDir, logger }, config.recordings.failedKeepMs);
      if (failedRemoved > 0) logger.info({ recordings: failedRemoved }, 'raw media of failed recordings removed');
      // Recordings first: a call's metadata goes only once its recording is gone.
      await deleteDueCallData({ db: database.db, logger });
      // Export bundles past their link's lifetime go too, and what crashed export runs left.
      await sweepExpiredExports({ db: database.db, stores, logger });
      await sweepStaleTempFiles({ dataDir: config.dataDir, logger });
      await sweepExpiredNonces(database.db);
    },
    10 * 60_000,
    (error) => logger.warn({ err: error }, 'deleting data past its retention failed'),
  );
  retention.start();
  outbox.start();
  await dsarWorker.start();

  return {
    url,
    publicBaseUrl,
    database,
    gateway,
    vendors,
    logger,
    stop: async () => {
      stopping.abort();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await noticesRefreshed;
      await watchdog.stop();
      await expiry.stop();
      await retention.stop();
      await outbox.stop();
      await dsarWorker.stop();
      await recordingWorker.stop();
      await gateway.close();
      await managed?.stop();
      await vendors.close();
      await database.close();
    },
  };
}
