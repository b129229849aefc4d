import { openDatabase } from '../../backend/src/db/client.js';
import { createLogger } from '../../backend/src/logger.js';
import { newLeaseOwner } from '../../backend/src/services/recordings/claim.js';
import { createRecordingWorker } from '../../backend/src/services/recordings/worker.js';
import { localStores, pipelineDeps } from './recording-fixtures.js';
import { workerChildSetup } from './worker-child.js';

/**
 * The recording worker alone in its own process, as the backend runs it, so a test can SIGKILL it
 * anywhere. Loading takes seconds, so it loads first and starts working on a `start` line on stdin;
 * then it prints `ready` and its stage changes as JSON lines.
 * Run: node --import tsx tests/support/recording-worker-child.ts, with DATABASE_URL and PARLEY_DATA_DIR
 * (the kill test runs it bundled: see child-bundle.ts).
 */
// Local blob store and key file: the database is the only peer, and it must be the suite's own.
const { databaseUrl, dataDir, go } = workerChildSetup();

const database = await openDatabase({ url: databaseUrl });
const stores = localStores(dataDir);
const worker = createRecordingWorker(
  pipelineDeps(database.db, dataDir, stores, {
    logger: createLogger('debug'),
    lease: { owner: newLeaseOwner(), ms: 5_000 },
    retry: { baseDelayMs: 50, maxDelayMs: 200 },
  }),
  { pollIntervalMs: 100 },
);

await go;
const started = worker.start();
process.stdout.write('ready\n');
await started;
