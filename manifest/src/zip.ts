import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ZipArchive } from 'archiver';

export interface PackageEntry {
  /** Path inside the zip, always with forward slashes. */
  name: string;
  body: Buffer | string;
}

// A fixed time on every entry: the same sources give the same bytes, so a package can be rebuilt and compared.
const ENTRY_DATE = new Date('2020-01-01T00:00:00Z');

/** Writes the entries as a zip at `file`, replacing it only once the new one is complete. */
export async function writeZip(entries: PackageEntry[], file: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const partial = `${file}.partial`;
  const archive = new ZipArchive({ zlib: { level: 9 } });
  const writing = pipeline(archive, createWriteStream(partial));
  try {
    for (const entry of entries) archive.append(entry.body, { name: entry.name, date: ENTRY_DATE });
    await archive.finalize();
    await writing;
    await rename(partial, file);
  } catch (error) {
    archive.abort();
    await writing.catch(() => undefined);
    await rm(partial, { force: true });
    throw error;
  }
}
