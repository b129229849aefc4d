/** Turns a room's raw per-stream recordings into one media file. */
export interface RecordingComposer {
  compose(input: {
    rawDir: string;
    outFile: string;
    media: 'audio' | 'audio+video';
    /** Called as each phase starts, so the job's stage can follow it. */
    onPhase?: (phase: 'converting' | 'muxing') => Promise<void>;
  }): Promise<{
    durationSeconds: number;
    /** Raw tracks left out because they held nothing playable (see media/recording/compose.ts). */
    droppedTracks: number;
  }>;
}
