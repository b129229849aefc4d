import { availableParallelism } from 'node:os';
import path from 'node:path';

/** One decoded stream, placed on the call's timeline. */
export interface TimelineTrack {
  kind: 'audio' | 'video';
  participant: string;
  file: string;
  /** Seconds after the earliest track's first frame. */
  offsetSeconds: number;
  durationSeconds: number;
  /** Picture height as sent, for video; unknown counts as the layout's tile height. */
  height?: number;
}

export interface LayoutOptions {
  media: 'audio' | 'audio+video';
  /** The largest tile; smaller when every participant sent a smaller picture. */
  tileWidth: number;
  tileHeight: number;
  fps: number;
  /** Bits per second for video at the largest tile, e.g. 1000000; smaller tiles get their share. */
  videoBitrate: number;
  audioBitrate: string;
}

export const DEFAULT_LAYOUT: Omit<LayoutOptions, 'media'> = {
  tileWidth: 640,
  tileHeight: 360,
  fps: 15,
  videoBitrate: 1_000_000,
  audioBitrate: '64k',
};

/** The smallest tile any call gets: below this, faces are not recognisable. */
const MIN_TILE_HEIGHT = 120;

export function totalDuration(tracks: TimelineTrack[]): number {
  return Math.max(0, ...tracks.map((t) => t.offsetSeconds + t.durationSeconds));
}

/**
 * Tile size and video bitrate for these tracks: the layout's tile, or one as tall as the tallest
 * picture anyone sent, in the layout's aspect ratio. Upscaling adds encoding time and bytes, not
 * detail; the bitrate follows the area, so quality per pixel stays the same.
 */
export function tileFor(tracks: TimelineTrack[], opts: LayoutOptions): { width: number; height: number; videoBitrate: number } {
  const heights = tracks.filter((t) => t.kind === 'video').map((t) => t.height ?? opts.tileHeight);
  const tallest = Math.max(MIN_TILE_HEIGHT, ...heights);
  const height = even(Math.min(opts.tileHeight, tallest));
  const width = even((height * opts.tileWidth) / opts.tileHeight);
  const share = (width * height) / (opts.tileWidth * opts.tileHeight);
  return { width, height, videoBitrate: Math.round(opts.videoBitrate * share) };
}

/** The ffmpeg runs that make one recording: `encodes` may run side by side, then `mux` (if any) joins them. */
export interface ComposePlan {
  encodes: string[][];
  mux: string[] | null;
}

// ffmpeg exits with 69 once more than two thirds of the decoded frames fail, as in a short recording
// whose first key frame was lost or a salvaged one cut off mid-packet: keep what decodes instead.
const COMMON = ['-y', '-hide_banner', '-loglevel', 'error', '-nostdin', '-max_error_rate', '1'];

/**
 * Every track is one input; the result is one WebM. With video, the picture and the sound are
 * encoded by two ffmpeg runs at once (one each per core) into `workDir`, then copied into one
 * file; audio alone is one run.
 */
export function planCompose(tracks: TimelineTrack[], opts: LayoutOptions, outFile: string, workDir: string): ComposePlan {
  const duration = totalDuration(tracks);
  const total = seconds(duration);
  const audio = tracks.filter((t) => t.kind === 'audio');
  const audioArgs = (out: string) => [
    ...COMMON,
    ...audio.flatMap((t) => ['-i', t.file]),
    '-filter_complex', audioGraph(audio, duration),
    '-map', '[aout]', '-c:a', 'libopus', '-b:a', opts.audioBitrate,
    '-t', total,
    '-f', 'webm', out,
  ];
  if (opts.media === 'audio') return { encodes: [audioArgs(outFile)], mux: null };

  const video = tracks.filter((t) => t.kind === 'video');
  const tile = tileFor(video, opts);
  const videoFile = path.join(workDir, 'video.webm');
  const audioFile = path.join(workDir, 'audio.webm');
  const videoArgs = [
    ...COMMON,
    ...video.flatMap((t) => ['-i', t.file]),
    '-filter_complex', videoGraph(video, duration, { ...opts, tileWidth: tile.width, tileHeight: tile.height }),
    '-map', '[vout]', '-c:v', 'libvpx',
    // The fastest VP8 settings that still look right for two talking heads: a recording is
    // reviewed, not broadcast, and the customer waits for it after every call.
    '-deadline', 'realtime', '-cpu-used', '16', '-threads', String(Math.min(4, availableParallelism())),
    '-lag-in-frames', '0', '-static-thresh', '100',
    '-b:v', String(tile.videoBitrate),
    '-t', total,
    '-f', 'webm', videoFile,
  ];
  return {
    encodes: [videoArgs, audioArgs(audioFile)],
    mux: [...COMMON, '-i', videoFile, '-i', audioFile, '-map', '0:v', '-map', '1:a', '-c', 'copy', '-t', total, '-f', 'webm', outFile],
  };
}

/** Every voice delayed to its start and mixed at full level (people rarely talk over each other at peak). */
export function audioGraph(tracks: TimelineTrack[], total: number): string {
  const audio = indexed(tracks).filter(({ track }) => track.kind === 'audio');
  if (audio.length === 0) return `anullsrc=r=48000:cl=stereo,atrim=duration=${seconds(total)}[aout]`;
  const chains = audio.map(
    ({ track, input }, n) =>
      `[${input}:a]asetpts=PTS-STARTPTS,aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,` +
      `adelay=delays=${Math.round(track.offsetSeconds * 1000)}:all=1[a${n}]`,
  );
  const labels = audio.map((_, n) => `[a${n}]`).join('');
  const mix =
    audio.length === 1
      ? `${labels}apad=whole_dur=${seconds(total)}[aout]`
      : `${labels}amix=inputs=${audio.length}:duration=longest:dropout_transition=0:normalize=0,` +
        `apad=whole_dur=${seconds(total)}[aout]`;
  return [...chains, mix].join(';');
}

/** One tile per participant, side by side; a participant's pieces are laid end to end with black gaps. */
export function videoGraph(tracks: TimelineTrack[], total: number, opts: LayoutOptions): string {
  const { tileWidth: w, tileHeight: h, fps } = opts;
  const video = indexed(tracks).filter(({ track }) => track.kind === 'video');
  if (video.length === 0) return `color=c=black:s=${w}x${h}:r=${fps}:d=${seconds(total)}[vout]`;
  const participants = [...new Set(video.map(({ track }) => track.participant))];
  const chains: string[] = [];
  participants.forEach((participant, p) => {
    const pieces = video
      .filter(({ track }) => track.participant === participant)
      .sort((a, b) => a.track.offsetSeconds - b.track.offsetSeconds);
    let cursor = 0;
    pieces.forEach(({ track, input }, j) => {
      const start = Math.max(cursor, track.offsetSeconds);
      const end = start + track.durationSeconds;
      const tail = j === pieces.length - 1 ? Math.max(0, total - end) : 0;
      chains.push(
        `[${input}:v]setpts=PTS-STARTPTS,fps=${fps},` +
          `scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2:color=black,` +
          `setsar=1,format=yuv420p,tpad=start_duration=${seconds(start - cursor)}:stop_duration=${seconds(tail)}` +
          `:color=black[p${p}v${j}]`,
      );
      cursor = end;
    });
    const labels = pieces.map((_, j) => `[p${p}v${j}]`).join('');
    chains.push(pieces.length === 1 ? `${labels}null[t${p}]` : `${labels}concat=n=${pieces.length}:v=1:a=0[t${p}]`);
  });
  chains.push(stackTiles(participants.length, w, h));
  return chains.join(';');
}

function stackTiles(count: number, w: number, h: number): string {
  const labels = Array.from({ length: count }, (_, p) => `[t${p}]`).join('');
  if (count === 1) return `${labels}null[vout]`;
  if (count <= 3) return `${labels}hstack=inputs=${count}[vout]`;
  const columns = Math.ceil(Math.sqrt(count));
  const layout = Array.from({ length: count }, (_, p) => `${(p % columns) * w}_${Math.floor(p / columns) * h}`);
  return `${labels}xstack=inputs=${count}:layout=${layout.join('|')}:fill=black[vout]`;
}

function indexed(tracks: TimelineTrack[]): { track: TimelineTrack; input: number }[] {
  return tracks.map((track, input) => ({ track, input }));
}

function seconds(value: number): string {
  return Math.max(0, value).toFixed(3);
}

function even(value: number): number {
  return 2 * Math.round(value / 2);
}
