import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipArchive } from 'archiver';
import { ageEncryptStream } from './age-stream.js';
import { SCRYPT_WORK_FACTOR } from './settings.js';

/** A recording to put in the bundle: opened only when its turn comes, so one is open at a time. */
export interface BundleRecording {
  entryName: string;
  /** SHA-256 the plaintext must have; the bundle fails rather than carry a different file. */
  sha256: string | null;
  open(): Promise<{ stream: Readable; close(): Promise<void> }>;
}

export interface BundleContents {
  /** Small files written first (summary.html, data.json). */
  files: { name: string; body: string }[];
  recordings: BundleRecording[];
}

export class BundleIntegrityError extends Error {
  override readonly name = 'BundleIntegrityError';
}

/**
 * Writes the zip of `contents`, encrypted with age under `passphrase` (scrypt recipient), to
 * `outFile`. Everything streams, with backpressure from the file back to the recordings, which are
 * decrypted chunk by chunk into the zip; no plaintext reaches the disk. Memory stays flat however
 * large the recordings. `onRecording` is told after each recording is in.
 */
export async function writeEncryptedBundle(
  contents: BundleContents,
  passphrase: string,
  outFile: string,
  onRecording: (done: number, total: number) => Promise<void>,
): Promise<{ sizeBytes: number }> {
  const archive = new ZipArchive({ zlib: { level: 6 } });
  const writing = pipeline(archive, await ageEncryptStream(passphrase, SCRYPT_WORK_FACTOR), createWriteStream(outFile, { mode: 0o600, highWaterMark: 2 ** 20 }));
  let failure: ((error: unknown) => void) | undefined;
  const failed = new Promise<never>((_, reject) => (failure = reject));
  failed.catch(() => undefined);
  archive.on('error', (error) => failure!(error));
  archive.on('warning', (error) => failure!(error));
  writing.catch((error: unknown) => failure!(error));

  try {
    for (const file of contents.files) archive.append(file.body, { name: file.name });
    let done = 0;
    await onRecording(done, contents.recordings.length);
    for (const recording of contents.recordings) {
      const opened = await Promise.race([recording.open(), failed]);
      try {
        const hash = createHash('sha256');
        const hashed = new PassThrough();
        hashed.on('data', (chunk: Buffer) => hash.update(chunk));
        opened.stream.on('error', (error) => hashed.destroy(error));
        opened.stream.pipe(hashed);
        // Entries finish in order, but the small files queued before may still be finishing: wait for this one.
        const entered = new Promise<void>((resolve) => {
          const onEntry = (entry: { name: string }) => {
            if (entry.name !== recording.entryName) return;
            archive.off('entry', onEntry);
            resolve();
          };
          archive.on('entry', onEntry);
        });
        archive.append(hashed, { name: recording.entryName, store: true });
        await Promise.race([entered, failed]);
        if (recording.sha256 && hash.digest('hex') !== recording.sha256) {
          throw new BundleIntegrityError(`${recording.entryName} does not match its recorded digest`);
        }
      } finally {
        await opened.close();
      }
      done += 1;
      await onRecording(done, contents.recordings.length);
    }
    await Promise.race([archive.finalize(), failed]);
    await Promise.race([writing, failed]);
  } catch (error) {
    archive.abort();
    await writing.catch(() => undefined);
    throw error;
  }
  return { sizeBytes: (await stat(outFile)).size };
}
