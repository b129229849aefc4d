import { and, eq, sql } from 'drizzle-orm';
import { perDatabase } from '../../db/per-database.js';
import { openEncryptedFile, type EncryptedFile } from '../../../../media/encryption/format.js';
import { agents, recordings, subjectKeys } from '../../db/schema/index.js';
import { NotFoundError, UnauthorizedError } from '../../errors.js';
import type { BlobReader } from '../../ports/blob-store.js';
import type { ServiceDeps } from '../deps.js';
import { unwrapRecordingKey } from './keys.js';
import { deletedRecordingError } from './view.js';

export interface OpenPlayback {
  media: EncryptedFile;
  contentType: string;
  /** Close when the response is done, however it ended. */
  close(): Promise<void>;
}

type Deps = Pick<ServiceDeps, 'db' | 'tokens' | 'recordings'>;

/** The recording a ticket names, with what playback needs; prepared, as a player sends many range requests. */
const ticketedRow = perDatabase((db) =>
  db
    .select({
      recording: recordings,
      subject: subjectKeys,
      viewerName: agents.displayName,
      viewerActive: agents.active,
      viewerEpoch: agents.sessionEpoch,
    })
    .from(recordings)
    .innerJoin(agents, and(eq(agents.id, sql.placeholder('agentId')), eq(agents.tenantId, sql.placeholder('tenantId'))))
    .leftJoin(subjectKeys, eq(subjectKeys.id, recordings.subjectKeyId))
    .where(and(eq(recordings.id, sql.placeholder('recordingId')), eq(recordings.tenantId, sql.placeholder('tenantId'))))
    .prepare('playback_ticketed_recording'),
);

/** Checks a playback ticket against the recording it names, again, on every request: one query. */
async function ticketedRecording(deps: Deps, token: string) {
  const ticket = await deps.tokens.verifyPlayback(token);
  const [row] = await ticketedRow(deps.db).execute({ agentId: ticket.agentId, tenantId: ticket.tenantId, recordingId: ticket.recordingId });
  // The viewer must still be an active user whose sessions have not been ended: a deprovisioned or
  // signed-out-everywhere user's ticket stops working at the next range request. The full policy
  // ran when the ticket was issued, minutes ago at most.
  if (row && (!row.viewerActive || row.viewerEpoch !== ticket.epoch)) throw new UnauthorizedError('Your session has ended; open Parley again.');
  // Deleted first: an erasure also removes the subject key, and a player open at the time is told why it stopped.
  if (row?.recording.stage === 'deleted') throw deletedRecordingError(row.recording.deletionReason);
  if (!row || !row.recording.objectKey || !row.subject) throw new NotFoundError('RECORDING_NOT_FOUND', 'No such recording.');
  return { ticket, ...row, subject: row.subject, objectKey: row.recording.objectKey };
}

/** What the viewer page shows around the video: the watermark's name, the link's expiry. */
export async function describePlayback(deps: Deps, token: string) {
  const { ticket, recording, viewerName } = await ticketedRecording(deps, token);
  return { viewerName, expiresAt: ticket.expiresAt.toISOString(), recording: { id: recording.id, media: recording.media, durationSeconds: recording.durationSeconds } };
}

/** Opens the stored ciphertext for range reads: header, key and final chunk are verified before a byte is served. */
export async function openPlayback(deps: Deps, token: string): Promise<OpenPlayback> {
  const { recording, subject, objectKey } = await ticketedRecording(deps, token);
  const store = deps.recordings.stores.get(recording.storageLocation);
  if (!store) throw new NotFoundError('RECORDING_NOT_FOUND', 'The recording\u2019s storage location is not configured here.');
  const reader: BlobReader = await store.open(objectKey);
  try {
    const file = await openEncryptedFile(reader, () => unwrapRecordingKey(deps.recordings.masterKeys, recording, subject));
    return { media: file, contentType: recording.media === 'audio' ? 'audio/webm' : 'video/webm', close: () => reader.close() };
  } catch (error) {
    await reader.close();
    throw error;
  }
}
