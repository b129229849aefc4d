import { randomBytes } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { Agent, get, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { eq } from 'drizzle-orm';
import { DEFAULT_CHUNK_SIZE, encryptStream } from '../../media/encryption/format.js';
import { openDatabase } from '../../backend/src/db/client.js';
import { recordings } from '../../backend/src/db/schema/index.js';
import { recordingKeyFor } from '../../backend/src/services/recordings/keys.js';
import { localStores, seedEndedRecordedCall, seedTenant } from '../support/recording-fixtures.js';
import { freePort, startChildServer, startParleyServer, type ChildServer } from './child-server.js';

export const RECORDING_BYTES = 2 ** 30;
export const RANGE_LENGTH = 2 ** 20;
/** Enough that p99 is not simply the slowest request: two lie above it. */
export const RANGE_REQUESTS = 200;
export const RANGE_WARMUP = 5;
export const RSS_SAMPLE_MS = 100;
const ACCOUNT = 'bench-media';
/** The plaintext repeats this block, so every byte served can be checked without keeping 1 GiB. */
const BLOCK = 2 ** 20;

export interface RangeTimings {
  /** Request sent → first body byte, ms, one per request in run order. */
  firstByteMs: number[];
  /** Request sent → last byte of the 1 MiB, ms. */
  completeMs: number[];
}

export interface WholeStream {
  bytes: number;
  seconds: number;
  rssBeforeBytes: number;
  rssMaxBytes: number;
  samples: number;
}

export interface ServedFigures {
  command: string;
  ranges: RangeTimings;
  stream: WholeStream;
}

export interface MediaRangeFigures {
  plaintextBytes: number;
  storedBytes: number;
  chunkSize: number;
  parley: ServedFigures;
  plain: ServedFigures;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  firstByteMs: number;
  completeMs: number;
  bytes: number;
}

function request(url: string, agent: Agent, range: string | undefined, onPiece: (piece: Buffer) => void): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const sent = performance.now();
    let firstByteMs = Number.NaN;
    let bytes = 0;
    get(url, { agent, headers: range ? { range } : {} }, (response) => {
      response.on('data', (piece: Buffer) => {
        if (bytes === 0) firstByteMs = performance.now() - sent;
        bytes += piece.length;
        onPiece(piece);
      });
      response.once('error', reject);
      response.once('end', () => resolve({ status: response.statusCode!, headers: response.headers, firstByteMs, completeMs: performance.now() - sent, bytes }));
    }).once('error', reject);
  });
}

/** Checks pieces against the repeating plaintext as they arrive, from `start` on. */
function plaintextCheck(block: Buffer, start: number): (piece: Buffer) => void {
  let position = start;
  return (piece) => {
    for (let done = 0; done < piece.length; ) {
      const at = position % block.length;
      const length = Math.min(block.length - at, piece.length - done);
      if (!piece.subarray(done, done + length).equals(block.subarray(at, at + length))) throw new Error(`wrong plaintext served at byte ${position}`);
      done += length;
      position += length;
    }
  };
}

function rssBytes(pid: number): number {
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (!kib) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kib) * 1024;
}

/**
 * A done recording of 1 GiB in the local store, written the way the pipeline writes one: the
 * recording key is created under the customer's subject key under the tenant's master key.
 */
async function seedLargeRecording(dataDir: string, block: Buffer) {
  const database = await openDatabase({ dataDir });
  try {
    await database.migrate();
    const stores = localStores(dataDir);
    const tenant = await seedTenant(database.db, ACCOUNT);
    const noRawMedia = await mkdtemp(path.join(tmpdir(), 'parley-bench-empty-'));
    const seeded = await seedEndedRecordedCall(database.db, dataDir, tenant, noRawMedia);
    await rm(noRawMedia, { recursive: true });
    await rm(seeded.rawDir, { recursive: true });
    const [row] = await database.db.select().from(recordings).where(eq(recordings.id, seeded.recordingId));
    const key = await recordingKeyFor({ db: database.db, masterKeys: stores.masterKeys }, row!);
    const objectKey = `tenants/${seeded.tenantId}/recordings/${seeded.recordingId}.prly`;
    const file = path.join(dataDir, 'store', objectKey);
    const written = path.join(dataDir, `${seeded.recordingId}.prly`);
    try {
      await pipeline(
        (function* () {
          for (let left = RECORDING_BYTES; left > 0; left -= block.length) yield block.subarray(0, Math.min(left, block.length));
        })(),
        encryptStream(key, row!.keyId),
        createWriteStream(written, { mode: 0o600 }),
      );
    } finally {
      key.fill(0);
    }
    // Into the store as the pipeline stores a recording: synced first, so no write-back of the
    // fresh gigabyte runs during the measurement.
    await stores.stores.get('local')!.putFile(objectKey, written);
    const storedBytes = (await stat(file)).size;
    await database.db
      .update(recordings)
      .set({ stage: 'done', objectKey, sizeBytes: storedBytes, storedAt: new Date(), updatedAt: new Date() })
      .where(eq(recordings.id, seeded.recordingId));
    return { recordingId: seeded.recordingId, file, storedBytes };
  } finally {
    await database.close();
  }
}

async function json<T>(url: string, init: { method?: string; token?: string; body?: unknown } = {}): Promise<T> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { 'content-type': 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Range reads answered 206 with exactly the bytes asked for; timings in run order. */
async function rangeRead(url: string, agent: Agent, start: number, check: ((start: number) => (piece: Buffer) => void) | null): Promise<Answer> {
  const end = start + RANGE_LENGTH - 1;
  const answer = await request(url, agent, `bytes=${start}-${end}`, check ? check(start) : () => undefined);
  if (answer.status !== 206 || answer.bytes !== RANGE_LENGTH || !answer.headers['content-range']?.startsWith(`bytes ${start}-${end}/`)) {
    throw new Error(`GET ${start}-${end}: ${answer.status}, ${answer.bytes} bytes, content-range ${answer.headers['content-range']}`);
  }
  return answer;
}

/** The whole file in one GET while /proc/<pid>/status is sampled every 100 ms. */
async function streamWhole(url: string, pid: number, expectBytes: number, check: ((piece: Buffer) => void) | null): Promise<WholeStream> {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const rssBeforeBytes = rssBytes(pid);
  let rssMaxBytes = rssBeforeBytes;
  let samples = 1;
  const sampler = setInterval(() => {
    rssMaxBytes = Math.max(rssMaxBytes, rssBytes(pid));
    samples += 1;
  }, RSS_SAMPLE_MS);
  const agent = new Agent({ keepAlive: false });
  try {
    const answer = await request(url, agent, undefined, check ?? (() => undefined));
    rssMaxBytes = Math.max(rssMaxBytes, rssBytes(pid));
    samples += 1;
    if (answer.status !== 200 || answer.bytes !== expectBytes) throw new Error(`GET whole file: ${answer.status}, ${answer.bytes} of ${expectBytes} bytes`);
    return { bytes: answer.bytes, seconds: answer.completeMs / 1000, rssBeforeBytes, rssMaxBytes, samples };
  } finally {
    clearInterval(sampler);
    agent.destroy();
  }
}

/**
 * Playback of a 1 GiB encrypted recording from a real Parley server (own process, PGlite, local
 * store): first-byte time of random 1 MiB ranges and the server's RSS while one client streams
 * the whole file, each beside the same reads of the stored file served plain by Node's http + fs.
 */
export async function benchMediaRange(repoRoot: string, log: (message: string) => void, options: { cpuProfileDir?: string } = {}): Promise<MediaRangeFigures> {
  const root = await mkdtemp(path.join(tmpdir(), 'parley-bench-media-'));
  const servers: ChildServer[] = [];
  const agents = [new Agent({ keepAlive: true, maxSockets: 1 }), new Agent({ keepAlive: true, maxSockets: 1 })];
  try {
    const dataDir = path.join(root, 'data');
    const block = randomBytes(BLOCK);
    log('media-range: encrypting 1 GiB into the local store');
    const seeded = await seedLargeRecording(dataDir, block);

    const nodeArgs = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
    const parley = await startParleyServer({ cwd: repoRoot, dataDir, nodeArgs });
    servers.push(parley);
    const plainPort = await freePort();
    const plain = await startChildServer({
      cwd: repoRoot,
      nodeArgs: ['--import', 'tsx', 'tests/bench/plain-file-server.ts'],
      port: plainPort,
      readyPath: '/ready',
      env: { PORT: String(plainPort), FILE: seeded.file },
    });
    servers.push(plain);

    const { token } = await json<{ token: string }>(`${parley.url}/api/demo/session`, {
      method: 'POST',
      body: { accountId: ACCOUNT, userId: `${ACCOUNT}-agent`, name: 'Dana Agent' },
    });
    const ticket = () => json<{ streamUrl: string }>(`${parley.url}/api/recordings/${seeded.recordingId}/playback`, { method: 'POST', token }).then((r) => r.streamUrl);
    const streamUrl = await ticket();
    const plainUrl = `${plain.url}/file`;
    const plaintextBytes = RECORDING_BYTES;
    const check = (start: number) => plaintextCheck(block, start);

    const offset = (limit: number) => Math.floor(Math.random() * (limit - RANGE_LENGTH));
    for (let i = 0; i < RANGE_WARMUP; i++) {
      await rangeRead(streamUrl, agents[0]!, offset(plaintextBytes), check);
      await rangeRead(plainUrl, agents[1]!, offset(seeded.storedBytes), null);
    }
    log(`media-range: ${RANGE_REQUESTS} range reads each`);
    const parleyRanges: RangeTimings = { firstByteMs: [], completeMs: [] };
    const plainRanges: RangeTimings = { firstByteMs: [], completeMs: [] };
    for (let i = 0; i < RANGE_REQUESTS; i++) {
      const start = offset(plaintextBytes);
      // Alternating who goes first, so neither always reads right after the other warmed a cache.
      const order = i % 2 === 0 ? ['parley', 'plain'] : ['plain', 'parley'];
      for (const which of order) {
        const answer = which === 'parley' ? await rangeRead(streamUrl, agents[0]!, start, check) : await rangeRead(plainUrl, agents[1]!, start, null);
        const into = which === 'parley' ? parleyRanges : plainRanges;
        into.firstByteMs.push(answer.firstByteMs);
        into.completeMs.push(answer.completeMs);
      }
    }

    log('media-range: streaming the whole recording from Parley, then the plain file');
    const parleyStream = await streamWhole(await ticket(), parley.pid, plaintextBytes, check(0));
    const plainStream = await streamWhole(plainUrl, plain.pid, seeded.storedBytes, null);
    return {
      plaintextBytes,
      storedBytes: seeded.storedBytes,
      chunkSize: DEFAULT_CHUNK_SIZE,
      parley: { command: parley.command, ranges: parleyRanges, stream: parleyStream },
      plain: { command: plain.command, ranges: plainRanges, stream: plainStream },
    };
  } finally {
    for (const agent of agents) agent.destroy();
    for (const server of servers.reverse()) await server.stop();
    await rm(root, { recursive: true, force: true });
  }
}
