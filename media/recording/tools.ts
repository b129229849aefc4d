import { execFile } from 'node:child_process';
import { MediaToolError } from './errors.js';

export interface ToolRun {
  stdout: string;
  stderr: string;
}

/** Runs a media tool with an argument array (never a shell) and a hard time limit. */
export function runTool(tool: string, args: string[], timeoutMs = 10 * 60_000): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    execFile(
      tool,
      args,
      { timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        if (!error) return resolve({ stdout, stderr });
        const code = typeof error.code === 'number' ? error.code : null;
        const why = error.code === 'ENOENT' ? `${tool} is not installed` : stderr.trim().slice(-2000) || error.message;
        reject(new MediaToolError(tool, code, why));
      },
    );
  });
}

export interface ProbedStream {
  index: number;
  type: 'audio' | 'video' | 'data' | 'subtitle' | 'other';
  codec: string;
  width?: number;
  height?: number;
}

export interface MediaProbe {
  durationSeconds: number;
  streams: ProbedStream[];
  /**
   * With `firstKeyFrame`: how long after the first packet the first key frame of the video comes;
   * no picture decodes before it. Undefined when none is among the first packets read.
   */
  firstKeyFrameSeconds?: number;
}

/** Packets read for `firstKeyFrame`: at 30 frames a second, the first 20 seconds. */
const KEY_FRAME_SEARCH_PACKETS = 600;

export async function probeMedia(file: string, options: { firstKeyFrame?: boolean } = {}): Promise<MediaProbe> {
  const args = options.firstKeyFrame
    ? ['-select_streams', 'v:0', '-show_entries', 'stream:format:packet=pts_time,flags', '-read_intervals', `%+#${KEY_FRAME_SEARCH_PACKETS}`]
    : ['-show_streams', '-show_format'];
  const { stdout } = await runTool('ffprobe', ['-v', 'error', ...args, '-of', 'json', file], 60_000);
  return parseProbe(JSON.parse(stdout) as unknown);
}

export function parseProbe(raw: unknown): MediaProbe {
  const json = (raw ?? {}) as {
    format?: { duration?: string };
    streams?: { index?: number; codec_type?: string; codec_name?: string; width?: number; height?: number; duration?: string }[];
    packets?: { pts_time?: string; flags?: string }[];
  };
  const streams = (json.streams ?? []).map((s, i) => ({
    index: s.index ?? i,
    type: streamType(s.codec_type),
    codec: s.codec_name ?? 'unknown',
    ...(s.width ? { width: s.width } : {}),
    ...(s.height ? { height: s.height } : {}),
  }));
  // Container and stream durations are each optional (pp-rec's WebM has no stream duration).
  const durations = [json.format?.duration, ...(json.streams ?? []).map((s) => s.duration)]
    .map((d) => Number(d))
    .filter((d) => Number.isFinite(d) && d > 0);
  // Measured from the first packet, where ffmpeg starts the track when it reads it.
  const timed = (json.packets ?? []).filter((packet) => Number.isFinite(Number(packet.pts_time)));
  const keyFrame = timed.find((packet) => packet.flags?.includes('K'));
  return {
    durationSeconds: durations.length ? Math.max(...durations) : 0,
    streams,
    ...(keyFrame ? { firstKeyFrameSeconds: Math.max(0, Number(keyFrame.pts_time) - Number(timed[0]!.pts_time)) } : {}),
  };
}

function streamType(codecType: string | undefined): ProbedStream['type'] {
  switch (codecType) {
    case 'audio':
    case 'video':
    case 'data':
    case 'subtitle':
      return codecType;
    default:
      return 'other';
  }
}
