import { composeRecording } from '../../../../media/recording/compose.js';
import type { RecordingComposer } from '../../ports/recording-composer.js';

/** janus-pp-rec + ffmpeg, as implemented in media/recording. */
export class FfmpegComposer implements RecordingComposer {
  async compose(input: { rawDir: string; outFile: string; media: 'audio' | 'audio+video' }) {
    const result = await composeRecording(input);
    return { durationSeconds: result.durationSeconds };
  }
}
