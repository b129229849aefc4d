import { composeRecording } from '../../../../media/recording/compose.js';
import type { RecordingComposer } from '../../ports/recording-composer.js';

/** janus-pp-rec + ffmpeg, as implemented in media/recording. */
export class FfmpegComposer implements RecordingComposer {
  async compose(input: Parameters<RecordingComposer['compose']>[0]) {
    // .mjr.tmp files belong to a recorder that was never closed (Janus died mid-call): salvage them.
    const result = await composeRecording({ ...input, includeUnfinished: true });
    return { durationSeconds: result.durationSeconds, droppedTracks: result.droppedTracks.length };
  }
}
