import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { openDatabase } from '../../backend/src/db/client.js';
import { createLogger } from '../../backend/src/logger.js';
import { createDsarWorker } from '../../backend/src/services/dsar/worker.js';
import { newLeaseOwner } from '../../backend/src/services/recordings/claim.js';
import { localStores } from './recording-fixtures.js';

/**
 * The data-subject request worker alone in its own process, as the backend runs it, so a test can
 * SIGKILL it anywhere. It loads first and starts working on a `start` line on stdin, then prints
 * `ready`. Run: node --import tsx tests/support/dsar-worker-child.ts, with DATABASE_URL and PARLEY_DATA_DIR.
 */
const databaseUrl = process.env.DATABASE_URL;
const dataDir = process.env.PARLEY_DATA_DIR;
if (!databaseUrl || !dataDir) throw new Error('DATABASE_URL and PARLEY_DATA_DIR are required');
if (new URL(databaseUrl).hostname !== '127.0.0.1') throw new Error('DATABASE_URL must point at 127.0.0.1');

const commands = createInterface({ input: process.stdin });
// stdin closes when the parent dies: an orphaned worker would take the requests of the next run.
commands.on('close', () => process.exit(0));
const go = once(commands, 'line');

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
