import { execFileSync } from 'node:child_process';
import { createCipheriv, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pipeline } from 'node:stream/promises';
import { encryptStream, openEncryptedFile } from '../../media/encryption/format.js';
import { newDataKey } from '../../media/encryption/keys.js';
import { measureEncryptionThroughput } from '../../media/encryption/measure.js';
import { median } from './load.js';

export const OPENSSL_ARGS = ['speed', '-evp', 'aes-256-gcm', '-bytes', '16384', '-seconds', '3'];
/** Plaintext per measured pass; large enough that set-up and the first chunks do not count. */
export const CRYPTO_BYTES = 256 * 2 ** 20;
export const CRYPTO_PASSES = 3;
export const RANGE_BYTES = 2 ** 20;

export interface CryptoFigures {
  openssl: { command: string; version: string; MBps: number };
  bytes: number;
  chunkSize: number;
  passes: number;
  /** Decimal MB/s per pass, in run order; the figures compared are the medians. */
  encryptMBps: number[];
  decryptMBps: number[];
  rangeMBps: number[];
  rangeReads: number;
  /** node:crypto alone, one cipher per chunk as the format seals them: what any Node code can reach. */
  nodeGcmMBps: number[];
}

/**
 * `openssl speed` prints one row per algorithm in "1000s of bytes per second", e.g.
 * `AES-256-GCM    3919957.26k`; the same decimal MB/s as measure.ts is that ÷ 1000.
 */
export function parseOpensslSpeed(output: string): number {
  const row = /^AES-256-GCM\s+([\d.]+)k\s*$/m.exec(output);
  if (!row) throw new Error(`no AES-256-GCM figure in openssl speed output:\n${output.slice(-500)}`);
  return Number(row[1]) / 1000;
}

function opensslSpeed(): CryptoFigures['openssl'] {
  const output = execFileSync('openssl', OPENSSL_ARGS, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return {
    command: `openssl ${OPENSSL_ARGS.join(' ')}`,
    version: execFileSync('openssl', ['version'], { encoding: 'utf8' }).trim(),
    MBps: parseOpensslSpeed(output),
  };
}

/**
 * Playback's path: random 1 MiB ranges through `openEncryptedFile(...).stream`, each touching 17
 * chunks, from ciphertext held in memory so the figure is the reader's cost, not the disk's.
 */
async function rangeReadMBps(bytes: number): Promise<{ MBps: number; reads: number }> {
  const key = newDataKey();
  const block = randomBytes(2 ** 20);
  const pieces: Buffer[] = [];
  await pipeline(
    (function* () {
      for (let left = bytes; left > 0; left -= block.length) yield block.subarray(0, Math.min(left, block.length));
    })(),
    encryptStream(key, 'bench-range'),
    new Writable({ write: (piece: Buffer, _encoding, done) => (pieces.push(piece), done()) }),
  );
  const ciphertext = Buffer.concat(pieces);
  const file = await openEncryptedFile(
    {
      read: async (buffer, offset, length, position) => ({ bytesRead: ciphertext.copy(buffer, offset, position, Math.min(position + length, ciphertext.length)) }),
      stat: async () => ({ size: ciphertext.length }),
    },
    key,
  );
  const reads = Math.floor(bytes / RANGE_BYTES);
  const drain = async (start: number) => {
    for await (const piece of file.stream(start, start + RANGE_BYTES - 1)) void piece;
  };
  const offset = () => Math.floor(Math.random() * (file.plaintextLength - RANGE_BYTES));
  for (let i = 0; i < 16; i++) await drain(offset());
  const started = process.hrtime.bigint();
  for (let i = 0; i < reads; i++) await drain(offset());
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { MBps: (reads * RANGE_BYTES) / 1e6 / seconds, reads };
}

/** AES-256-GCM through node:crypto on one hot chunk, re-keyed per chunk like `sealChunk`, no streams. */
function nodeGcmMBps(bytes: number, chunkSize: number): number {
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const aad = randomBytes(41);
  const chunk = randomBytes(chunkSize);
  const seal = () => {
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
    cipher.setAAD(aad);
    cipher.update(chunk);
    cipher.final();
    cipher.getAuthTag();
  };
  for (let i = 0; i < 64; i++) seal();
  const started = process.hrtime.bigint();
  for (let done = 0; done < bytes; done += chunkSize) seal();
  return bytes / 1e6 / (Number(process.hrtime.bigint() - started) / 1e9);
}

/**
 * Stream encryption, decryption and range reads against OpenSSL's own AES-256-GCM on this machine,
 * measured in a process of their own (this file run as a script), as every other part measures its
 * server in its own process: in the benchmark process the garbage left by the browser parts made
 * the same code's throughput swing by 3 × from pass to pass.
 */
export function benchRecordingCrypto(): CryptoFigures {
  const output = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(output) as CryptoFigures;
}

async function measureRecordingCrypto(): Promise<CryptoFigures> {
  const openssl = opensslSpeed();
  const figures: CryptoFigures = { openssl, bytes: CRYPTO_BYTES, chunkSize: 0, passes: CRYPTO_PASSES, encryptMBps: [], decryptMBps: [], rangeMBps: [], rangeReads: 0, nodeGcmMBps: [] };
  for (let pass = 0; pass < CRYPTO_PASSES; pass++) {
    const stream = await measureEncryptionThroughput({ bytes: CRYPTO_BYTES });
    figures.chunkSize = stream.chunkSize;
    figures.encryptMBps.push(stream.encryptMBps);
    figures.decryptMBps.push(stream.decryptMBps);
    const range = await rangeReadMBps(CRYPTO_BYTES);
    figures.rangeMBps.push(range.MBps);
    figures.rangeReads = range.reads;
    figures.nodeGcmMBps.push(nodeGcmMBps(CRYPTO_BYTES, stream.chunkSize));
  }
  return figures;
}

export function cryptoRatios(figures: CryptoFigures) {
  const of = (values: number[]) => median(values) / figures.openssl.MBps;
  return { encrypt: of(figures.encryptMBps), decrypt: of(figures.decryptMBps), range: of(figures.rangeMBps), nodeGcm: of(figures.nodeGcmMBps) };
}

// `node --import tsx tests/bench/recording-crypto.ts` prints the figures as JSON; the runner calls it.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(JSON.stringify(await measureRecordingCrypto()));
}
