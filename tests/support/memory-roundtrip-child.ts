// Run by media-encryption-memory.test.ts in a Node process of its own, so the memory it measures
// is this stream's alone, not what a test worker's earlier files left on its heap.
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { decryptStream, encryptStream } from '../../media/encryption/format.js';
import { newDataKey } from '../../media/encryption/keys.js';

const MiB = 1024 * 1024;

/** Encrypts then decrypts `total` bytes made on demand; returns the hashes of both ends and the peak RSS. */
async function roundTrip(total: number): Promise<{ sent: string; received: string; bytes: number; peakRss: number }> {
  const block = randomBytes(MiB);
  const sent = createHash('sha256');
  const received = createHash('sha256');
  let made = 0;
  let bytes = 0;
  let peakRss = 0;
  // Each piece is a fresh buffer made when asked for, so nothing holds the whole input.
  const source = new Readable({
    read() {
      if (made === total) return void this.push(null);
      const piece = Buffer.from(block);
      piece.writeUInt32BE(made / MiB, 0);
      made += MiB;
      sent.update(piece);
      this.push(piece);
    },
  });
  const sink = new Writable({
    write(piece: Buffer, _encoding, done) {
      received.update(piece);
      bytes += piece.length;
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      done();
    },
  });
  const key = newDataKey();
  await pipeline(source, encryptStream(key, 'rk-memory'), decryptStream(key), sink);
  return { sent: sent.digest('hex'), received: received.digest('hex'), bytes, peakRss };
}

// Warm up first, so one-off costs (JIT, OpenSSL tables, heap sizing) do not count as growth.
await roundTrip(16 * MiB);
const baseline = process.memoryUsage().rss;
const run = await roundTrip(256 * MiB);
process.stdout.write(`${JSON.stringify({ bytes: run.bytes, intact: run.received === run.sent, growth: run.peakRss - baseline })}\n`);
