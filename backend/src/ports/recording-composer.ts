/** Turns a room's raw per-stream recordings into one media file. */
export interface RecordingComposer {
  compose(input: { rawDir: string; outFile: string; media: 'audio' | 'audio+video' }): Promise<{ durationSeconds: number }>;
}
