/** The raw recording cannot be turned into a playable file. */
export class RecordingComposeError extends Error {
  override readonly name = 'RecordingComposeError';
}

/** ffmpeg, ffprobe or janus-pp-rec failed; `stderrTail` says why. */
export class MediaToolError extends Error {
  override readonly name = 'MediaToolError';

  constructor(
    readonly tool: string,
    readonly exitCode: number | null,
    readonly stderrTail: string,
  ) {
    super(`${tool} failed (exit ${String(exitCode)}): ${stderrTail}`);
  }
}
