import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipArchive } from 'archiver';
import { ageEncryptStream } from './age-stream.js';
import { SCRYPT_WORK_FACTOR } from './settings.js';

/** A zip entry (a recording, or JSON made when its turn comes), opened only then, so one is open at a time. */
export interface BundleEntry {
  entryName: string;
  open(): Promise<{ stream: Readable; close(): Promise<void> }>;
}

export interface BundleContents {
  /** Small files written first (summary.html, data.json). */
  files: { name: string; body: string }[];
  entries: BundleEntry[];
}

/**
 * Writes the zip of `contents`, encrypted with age under `passphrase` (scrypt recipient), to
 * `outFile`. Everything streams, with backpressure from the file back to the recordings, which are
 * decrypted chunk by chunk into the zip; no plaintext reaches the disk. Memory stays flat however
 * large the recordings. `onEntry` is told after each entry is in.
 *
 * A recording is not hashed again here: its chunks are authenticated as they are decrypted (and
 * the last one first), which proves it is the file that was stored; its SHA-256 from the time it
 * was stored is in data.json for the recipient to check.
 */
export async function writeEncryptedBundle(
  { files, entries }: BundleContents,
  passphrase: string,
  outFile: string,
  onEntry: (done: number, total: number) => Promise<void>,
): Promise<{ sizeBytes: number }> {
  const archive = new ZipArchive({ zlib: { level: 6 } });
  const out = createWriteStream(outFile, { mode: 0o600, highWaterMark: 2 ** 20 });
  const writing = pipeline(archive, await ageEncryptStream(passphrase, SCRYPT_WORK_FACTOR), out);
  let failure: ((error: unknown) => void) | undefined;
  const failed = new Promise<never>((_, reject) => (failure = reject));
  failed.catch(() => undefined);
  archive.on('error', (error) => failure!(error));
  archive.on('warning', (error) => failure!(error));
  writing.catch((error: unknown) => failure!(error));

  try {
    for (const file of files) archive.append(file.body, { name: file.name });
    let done = 0;
    await onEntry(done, entries.length);
    for (const entry of entries) {
      const opening = entry.open();
      const opened = await Promise.race([opening, failed]).catch((error: unknown) => {
        // The bundle failed while this entry was still opening: close it once it has opened.
        opening.then((late) => late.close(), () => undefined).catch(() => undefined);
        throw error;
      });
      try {
        // Entries finish in order, but the small files queued before may still be finishing: wait for this one.
        const entered = new Promise<void>((resolve) => {
          const onEntryDone = (zipped: { name: string }) => {
            if (zipped.name !== entry.entryName) return;
            archive.off('entry', onEntryDone);
            resolve();
          };
          archive.on('entry', onEntryDone);
        });
        // The zip does not hear of a failing source (it would wait for it forever): the bundle fails.
        opened.stream.once('error', (error) => failure!(error));
        archive.append(opened.stream, { name: entry.entryName, store: true });
        await Promise.race([entered, failed]);
      } finally {
        await opened.close();
      }
      done += 1;
      await onEntry(done, entries.length);
    }
    await Promise.race([archive.finalize(), failed]);
    await Promise.race([writing, failed]);
  } catch (error) {
    // Destroyed, not aborted: an abort waits for the entry being zipped, which may never finish.
    archive.destroy(error as Error);
    await writing.catch(() => undefined);
    // The file may still be opening when the pipeline gives up: return only once it is closed, so
    // whoever cleans up after the failure finds everything that will ever be written.
    if (!out.closed) await once(out, 'close');
    throw error;
  }
  return { sizeBytes: (await stat(outFile)).size };
}
