import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { openDatabase } from '../../backend/src/db/client.js';
import { createLogger } from '../../backend/src/logger.js';
import { newLeaseOwner } from '../../backend/src/services/recordings/claim.js';
import { createRecordingWorker } from '../../backend/src/services/recordings/worker.js';
import { localStores, pipelineDeps } from './recording-fixtures.js';

/**
 * The recording worker alone in its own process, as the backend runs it, so a test can SIGKILL it
 * anywhere. Loading takes seconds, so it loads first and starts working on a `start` line on stdin;
 * then it prints `ready` and its stage changes as JSON lines.
 * Run: node --import tsx tests/support/recording-worker-child.ts, with DATABASE_URL and PARLEY_DATA_DIR.
 */
const databaseUrl = process.env.DATABASE_URL;
const dataDir = process.env.PARLEY_DATA_DIR;
if (!databaseUrl || !dataDir) throw new Error('DATABASE_URL and PARLEY_DATA_DIR are required');
// Local blob store and key file: the database is the only peer, and it must be the suite's own.
if (new URL(databaseUrl).hostname !== '127.0.0.1') throw new Error('DATABASE_URL must point at 127.0.0.1');

const commands = createInterface({ input: process.stdin });
// stdin closes when the parent dies: an orphaned worker would take the jobs of the next run.
commands.on('close', () => process.exit(0));
const go = once(commands, 'line');

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
