import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

/** The folder holding one folder of raw recordings per call. */
export function rawRecordingRoot(dataDir: string): string {
  return join(dataDir, 'recordings', 'raw');
}

/** Where the media server writes a call's raw per-stream recordings. */
export function rawRecordingDir(dataDir: string, callId: string): string {
  return join(rawRecordingRoot(dataDir), callId);
}

/**
 * Creates the folder only when recording actually starts, owner-only: raw media
 * is personal data, and calls that are never recorded need no folder at all.
 */
export async function prepareRawRecordingDir(dataDir: string, callId: string): Promise<string> {
  const dir = rawRecordingDir(dataDir, callId);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}
