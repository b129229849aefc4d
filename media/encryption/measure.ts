import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { decryptStream, DEFAULT_CHUNK_SIZE, encryptStream } from './format.js';
import { newDataKey } from './keys.js';

export interface ThroughputResult {
  bytes: number;
  chunkSize: number;
  /** Decimal megabytes (10^6 bytes) per second, the unit `openssl speed` reports in. */
  encryptMBps: number;
  decryptMBps: number;
}

/**
 * Encrypt and decrypt throughput of the stream format on this machine, in memory (no disk), for
 * comparison with `openssl speed -evp aes-256-gcm`. The source repeats one random 1 MiB block, so
 * producing input costs next to nothing; decryption reads ciphertext kept in memory in 1 MiB
 * pieces, so `bytes` of ciphertext are held during the run.
 */
export async function measureEncryptionThroughput(options: { bytes: number; chunkSize?: number }): Promise<ThroughputResult> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const key = newDataKey();
  const block = randomBytes(1024 * 1024);

  // Untimed pass first: the first chunks pay for JIT compilation and OpenSSL set-up.
  const warmUp: Buffer[] = [];
  await pipeline(source(block, Math.min(options.bytes, 16 * 1024 * 1024)), encryptStream(key, 'measure', { chunkSize }), collect(warmUp));
  await pipeline(Readable.from(warmUp, { objectMode: false }), decryptStream(key), discard());

  const encryptSeconds = await timed(() => pipeline(source(block, options.bytes), encryptStream(key, 'measure', { chunkSize }), discard()));

  const ciphertext: Buffer[] = [];
  await pipeline(source(block, options.bytes), encryptStream(key, 'measure', { chunkSize }), collect(ciphertext));
  const decryptSeconds = await timed(() => pipeline(Readable.from(ciphertext, { objectMode: false }), decryptStream(key), discard()));

  return {
    bytes: options.bytes,
    chunkSize,
    encryptMBps: options.bytes / 1e6 / encryptSeconds,
    decryptMBps: options.bytes / 1e6 / decryptSeconds,
  };
}

async function timed(run: () => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function source(block: Buffer, bytes: number): Readable {
  let left = bytes;
  return new Readable({
    read() {
      if (left === 0) {
        this.push(null);
        return;
      }
      const piece = block.subarray(0, Math.min(left, block.length));
      left -= piece.length;
      this.push(piece);
    },
  });
}

function discard(): Writable {
  return new Writable({ write: (_piece, _encoding, done) => done() });
}

/** Keeps the ciphertext in 1 MiB pieces, the size the source hands the encryptor, as a file read would. */
function collect(into: Buffer[]): Writable {
  let batch: Buffer[] = [];
  let batched = 0;
  const seal = () => {
    if (batched > 0) into.push(Buffer.concat(batch, batched));
    batch = [];
    batched = 0;
  };
  return new Writable({
    write(piece: Buffer, _encoding, done) {
      batch.push(piece);
      batched += piece.length;
      if (batched >= 1024 * 1024) seal();
      done();
    },
    final(done) {
      seal();
      done();
    },
  });
}

// `npx tsx media/encryption/measure.ts [bytes] [chunkSize]` prints one measurement.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const bytes = Number(process.argv[2] ?? 256 * 1024 * 1024);
  const chunkSize = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
  console.log(JSON.stringify(await measureEncryptionThroughput({ bytes, chunkSize }), null, 2));
}
