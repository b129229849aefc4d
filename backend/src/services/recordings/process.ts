import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { and, eq, inArray, lt, or } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { calls, meetingTypes, recordings } from '../../db/schema/index.js';
import type { Logger } from '../../logger.js';
import type { RecordingComposer } from '../../ports/recording-composer.js';

const MAX_ATTEMPTS = 3;
/** A "processing" row untouched this long belongs to a process that died. */
const STALE_AFTER_MS = 10 * 60_000;

export interface RecordingDeps {
  db: Db;
  composer: RecordingComposer;
  logger: Logger;
  dataDir: string;
}

/**
 * Composes one finished call's recording. The claim is a conditional UPDATE, so
 * two backend instances never work on the same recording.
 */
export async function processRecording(deps: RecordingDeps, recordingId: string): Promise<'ready' | 'failed' | 'skipped'> {
  const staleBefore = new Date(Date.now() - STALE_AFTER_MS);
  const [claimed] = await deps.db
    .update(recordings)
    .set({ state: 'processing', updatedAt: new Date() })
    .where(
      and(
        eq(recordings.id, recordingId),
        lt(recordings.attempts, MAX_ATTEMPTS),
        or(inArray(recordings.state, ['pending', 'failed']), and(eq(recordings.state, 'processing'), lt(recordings.updatedAt, staleBefore))),
      ),
    )
    .returning();
  if (!claimed) return 'skipped';

  const [context] = await deps.db
    .select({ media: meetingTypes.media, callState: calls.state })
    .from(calls)
    .innerJoin(meetingTypes, eq(meetingTypes.id, calls.meetingTypeId))
    .where(eq(calls.id, claimed.callId));
  if (context?.callState !== 'ended' && context?.callState !== 'failed') {
    // The call is still running: put it back untouched.
    await deps.db.update(recordings).set({ state: 'pending' }).where(eq(recordings.id, recordingId));
    return 'skipped';
  }

  const relative = join('recordings', `${claimed.callId}.webm`);
  try {
    await mkdir(join(deps.dataDir, 'recordings'), { recursive: true });
    const result = await deps.composer.compose({ rawDir: claimed.rawDir, outFile: join(deps.dataDir, relative), media: context.media });
    await deps.db
      .update(recordings)
      .set({ state: 'ready', file: relative, durationSeconds: result.durationSeconds, error: null, attempts: claimed.attempts + 1, updatedAt: new Date() })
      .where(eq(recordings.id, recordingId));
    deps.logger.info({ recordingId, durationSeconds: result.durationSeconds }, 'recording composed');
    return 'ready';
  } catch (error) {
    const message = error instanceof Error ? error.message.slice(0, 500) : 'unknown error';
    await deps.db
      .update(recordings)
      .set({ state: 'failed', error: message, attempts: claimed.attempts + 1, updatedAt: new Date() })
      .where(eq(recordings.id, recordingId));
    deps.logger.error({ recordingId, err: error }, 'recording composition failed');
    return 'failed';
  }
}

/** Recordings a previous run left unfinished; picked up again at start. */
export async function findUnfinishedRecordings(db: Db): Promise<string[]> {
  const rows = await db
    .select({ id: recordings.id })
    .from(recordings)
    .innerJoin(calls, eq(calls.id, recordings.callId))
    .where(and(inArray(recordings.state, ['pending', 'processing', 'failed']), lt(recordings.attempts, MAX_ATTEMPTS), inArray(calls.state, ['ended', 'failed'])));
  return rows.map((r) => r.id);
}
