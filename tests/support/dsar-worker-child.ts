import { openDatabase } from '../../backend/src/db/client.js';
import { createLogger } from '../../backend/src/logger.js';
import { createDsarWorker } from '../../backend/src/services/dsar/worker.js';
import { newLeaseOwner } from '../../backend/src/services/recordings/claim.js';
import { localStores } from './recording-fixtures.js';
import { workerChildSetup } from './worker-child.js';

/**
 * The data-subject request worker alone in its own process, as the backend runs it, so a test can
 * SIGKILL it anywhere. It loads first and starts working on a `start` line on stdin, then prints
 * `ready`. Run: node --import tsx tests/support/dsar-worker-child.ts, with DATABASE_URL and PARLEY_DATA_DIR
 * (the kill test runs it bundled: see child-bundle.ts).
 */
const { databaseUrl, dataDir, go } = workerChildSetup();

const database = await openDatabase({ url: databaseUrl });
const { masterKeys, stores } = localStores(dataDir);
const worker = createDsarWorker(
  {
    db: database.db,
    logger: createLogger('warn'),
    masterKeys,
    stores,
    publicBaseUrl: 'http://parley.test',
    dataDir,
    // Short, so the next worker takes over soon after a kill.
    lease: { owner: newLeaseOwner(), ms: 1_000 },
    retry: { baseDelayMs: 50, maxDelayMs: 200 },
  },
  { pollIntervalMs: 50 },
);

await go;
const started = worker.start();
process.stdout.write('ready\n');
await started;
