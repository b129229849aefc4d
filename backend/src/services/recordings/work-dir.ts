import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';

/** The one file in a work folder that may outlive a job: ciphertext, verified. */
export const SEALED_FILE = 'recording.prly';

/**
 * Where a recording job composes and encrypts, under the data dir. Everything in it but the
 * sealed file is plaintext (decoded tracks, the composed .webm) and is removed when the job
 * ends, fails, or is found after a crash.
 */
export function workDirOf(dataDir: string, recordingId: string): string {
  return path.join(workRoot(dataDir), recordingId);
}

export function workRoot(dataDir: string): string {
  return path.join(dataDir, 'recordings', 'work');
}

/** An empty, owner-only work folder. */
export async function freshWorkDir(dataDir: string, recordingId: string): Promise<string> {
  const dir = workDirOf(dataDir, recordingId);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** Removes every plaintext file of a job, keeping only a finished sealed file. */
export async function wipePlaintext(dir: string): Promise<void> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  await Promise.all(names.filter((name) => name !== SEALED_FILE).map((name) => rm(path.join(dir, name), { recursive: true, force: true })));
}
