import { randomUUID } from 'node:crypto';
import { statfs } from 'node:fs/promises';
import type { Tx } from '../../db/client.js';
import { recordings } from '../../db/schema/index.js';
import { InsufficientStorageError } from '../../errors.js';
import type { RoomRef } from '../../ports/media-gateway.js';
import type { ServiceDeps } from '../deps.js';
import { prepareRawRecordingDir } from './raw-dir.js';

/** Refuses to record when the disk holding raw media is nearly full: a call cut off mid-recording is worse. */
export async function assertRecordingSpace(deps: Pick<ServiceDeps, 'dataDir' | 'recordingMinFreeBytes'>): Promise<void> {
  const disk = await statfs(deps.dataDir);
  const free = disk.bavail * disk.bsize;
  if (free < deps.recordingMinFreeBytes) {
    throw new InsufficientStorageError(
      'RECORDING_DISK_FULL',
      `Recording needs ${Math.ceil(deps.recordingMinFreeBytes / 2 ** 20)} MiB of free disk and ${Math.floor(free / 2 ** 20)} MiB are left. Ask an administrator to free space.`,
    );
  }
}

/**
 * Creates the call's recording job (once; switching recording off and on again adds files to the
 * same raw folder) and its raw folder. The caller then tells the media server to record.
 */
export async function beginRecording(
  deps: Pick<ServiceDeps, 'dataDir' | 'recordingMinFreeBytes'>,
  tx: Tx,
  call: { id: string; tenantId: string; caseId: string; customerId: string },
  meetingType: { storageLocation: string; media: 'audio' | 'audio+video' },
): Promise<void> {
  await assertRecordingSpace(deps);
  const rawDir = await prepareRawRecordingDir(deps.dataDir, call.id);
  const id = randomUUID();
  await tx
    .insert(recordings)
    .values({
      id,
      tenantId: call.tenantId,
      callId: call.id,
      caseId: call.caseId,
      customerId: call.customerId,
      rawDir,
      storageLocation: meetingType.storageLocation,
      media: meetingType.media,
      keyId: `rk-${id}`,
    })
    .onConflictDoNothing({ target: recordings.callId });
}

/**
 * Runs a transaction that may tell the media server to start recording (it calls `started` right
 * after). Should the transaction then fail, nothing committed says the call records, so the media
 * server is told to stop again: otherwise it would go on writing raw media that no job owns.
 */
export async function stopRecordingIfUncommitted<T>(
  deps: Pick<ServiceDeps, 'media' | 'logger'>,
  run: (started: (room: RoomRef) => void) => Promise<T>,
): Promise<T> {
  let recording: RoomRef | undefined;
  try {
    return await run((room) => {
      recording = room;
    });
  } catch (error) {
    if (recording) {
      await deps.media.setRecording(recording, false).catch((stopError: unknown) => {
        deps.logger.error({ err: stopError }, 'could not stop a recording whose start was not committed; its raw media is swept when the call ends');
      });
    }
    throw error;
  }
}
