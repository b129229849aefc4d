import { open } from 'node:fs/promises';

/**
 * Flushes a file, or a folder's entries, to the disk. A write is durable only after the file is
 * synced, and a rename or a new name in a folder only after that folder is synced.
 */
export async function syncPath(target: string): Promise<void> {
  const handle = await open(target, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
