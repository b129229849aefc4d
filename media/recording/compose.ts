import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { RecordingComposeError } from './errors.js';
import { DEFAULT_LAYOUT, planCompose, type LayoutOptions, type TimelineTrack } from './layout.js';
import { participantKey, readMjrHeader, type MjrHeader } from './mjr.js';
import { probeMedia, runTool, type MediaProbe, type ProbedStream } from './tools.js';

export { probeMedia } from './tools.js';
export type { MediaProbe, ProbedStream } from './tools.js';

export interface ComposeOptions {
  /** Folder holding one room's .mjr files (the room's rec_dir). */
  rawDir: string;
  outFile: string;
  media: 'audio' | 'audio+video';
  /**
   * Also take `.mjr.tmp` files. Janus renames a recording to .mjr only when it closes it,
   * so .tmp files are either still being written or were left by a Janus that crashed.
   */
  includeUnfinished?: boolean;
  layout?: Partial<Omit<LayoutOptions, 'media'>>;
  /** Limit for the final ffmpeg run. */
  timeoutMs?: number;
  /** Called as each phase starts: converting the .mjr files, then muxing them into one file. */
  onPhase?: (phase: 'converting' | 'muxing') => Promise<void>;
}

export interface ComposeResult {
  outFile: string;
  durationSeconds: number;
  streams: ProbedStream[];
  /**
   * Tracks left out (file names): any without a single frame, video in which no frame decodes,
   * and unfinished video that breaks the encode; their picture is black. Anything else that
   * breaks the encode fails the run.
   */
  droppedTracks: string[];
}

interface RawTrack {
  file: string;
  header: MjrHeader & { kind: 'audio' | 'video' };
  /** A .mjr.tmp file: what a recorder had written when Janus stopped, possibly cut mid-packet. */
  unfinished: boolean;
}

type DecodedTrack = TimelineTrack & { source: RawTrack };

const CONTAINER_BY_CODEC: Partial<Record<string, '.opus' | '.webm'>> = { opus: '.opus', vp8: '.webm', vp9: '.webm' };

export async function composeRecording(opts: ComposeOptions): Promise<ComposeResult> {
  const raw = await findTracks(opts);
  if (raw.length === 0) throw new RecordingComposeError(`no audio or video recorded in ${opts.rawDir}`);
  const outDir = path.dirname(opts.outFile);
  // Same folder as the result, so the final rename is atomic and never crosses filesystems.
  const workDir = await mkdtemp(path.join(outDir, '.compose-'));
  const partial = path.join(outDir, `.${path.basename(opts.outFile)}.${randomBytes(6).toString('hex')}.partial`);
  try {
    await opts.onPhase?.('converting');
    const decoded = await decodeTracks(raw, workDir);
    const dropped = raw.filter((track) => !decoded.some((kept) => kept.source === track));
    if (decoded.length === 0) throw new RecordingComposeError(`recordings in ${opts.rawDir} hold no playable media`);
    await opts.onPhase?.('muxing');
    const layout = { ...DEFAULT_LAYOUT, ...opts.layout, media: opts.media };
    const timeoutMs = opts.timeoutMs ?? 2 * 60 * 60_000;
    const encode = async (tracks: DecodedTrack[]) => {
      const plan = planCompose(tracks, layout, partial, workDir);
      await Promise.all(plan.encodes.map((args) => runTool('ffmpeg', args, timeoutMs)));
      if (plan.mux) await runTool('ffmpeg', plan.mux, timeoutMs);
      const probe = await probeMedia(partial);
      assertStreams(probe.streams, opts.media);
      return probe;
    };
    let probe: MediaProbe;
    try {
      probe = await encode(decoded);
    } catch (error) {
      // A video track can convert and still not decode: a recorder cut off by a crash, or a call
      // that ended before the first key frame reached Janus. The sound is worth more than the
      // picture: try once more with those pictures black. A picture that decodes at all is kept.
      // The check itself failing says nothing new: the encode's own error is the one to report.
      const blind = await blindVideo(decoded).catch((): DecodedTrack[] => []);
      if (blind.length === 0) throw error;
      probe = await encode(decoded.filter((track) => !blind.includes(track)));
      dropped.push(...blind.map((track) => track.source));
    }
    await rename(partial, opts.outFile);
    return {
      outFile: opts.outFile,
      durationSeconds: probe.durationSeconds,
      streams: probe.streams,
      droppedTracks: dropped.map((track) => path.basename(track.file)),
    };
  } finally {
    await rm(workDir, { recursive: true, force: true });
    await rm(partial, { force: true });
  }
}

async function findTracks(opts: ComposeOptions): Promise<RawTrack[]> {
  const names = (await readdir(opts.rawDir)).filter(
    (name) => name.endsWith('.mjr') || (opts.includeUnfinished === true && name.endsWith('.mjr.tmp')),
  );
  const tracks: RawTrack[] = [];
  for (const name of names.sort()) {
    const file = path.join(opts.rawDir, name);
    const header = await readMjrHeader(file);
    // No header: the stream never carried a packet. Data channels are chat, not call media.
    if (!header || header.kind === 'data') continue;
    if (header.kind === 'video' && opts.media === 'audio') continue;
    if (header.encrypted) {
      throw new RecordingComposeError(`${name} holds end-to-end encrypted media, which cannot be decoded`);
    }
    tracks.push({ file, header: { ...header, kind: header.kind }, unfinished: name.endsWith('.tmp') });
  }
  return tracks;
}

/**
 * .mjr → .opus/.webm without transcoding, then placed on the timeline by first-frame time. The
 * conversions are independent, so they run side by side, one per core. An unfinished track that
 * does not convert is left out; a finished one fails the whole run.
 */
async function decodeTracks(raw: RawTrack[], workDir: string): Promise<DecodedTrack[]> {
  const origin = Math.min(...raw.map((t) => t.header.firstFrameUs));
  const decoded: (DecodedTrack | null)[] = new Array<DecodedTrack | null>(raw.length).fill(null);
  let next = 0;
  const convertOne = async (n: number): Promise<DecodedTrack | null> => {
    const source = raw[n]!;
    const { file, header } = source;
    const extension = CONTAINER_BY_CODEC[header.codec];
    if (!extension) throw new RecordingComposeError(`${path.basename(file)}: codec ${header.codec} is not supported`);
    const out = path.join(workDir, `track-${n}${extension}`);
    await runTool('janus-pp-rec', [file, out], 30 * 60_000);
    const { durationSeconds, streams, firstKeyFrameSeconds } = await probeMedia(out, { firstKeyFrame: header.kind === 'video' });
    // janus-pp-rec writes video from the first packet Janus kept, but nothing decodes before the
    // first key frame (a recording started mid-call waits for one). The picture is placed from
    // that frame on; placed from the first packet, it would run ahead of the sound for the whole call.
    const pictureFrom = firstKeyFrameSeconds ?? 0;
    if (durationSeconds - pictureFrom <= 0) return null;
    return {
      kind: header.kind,
      participant: participantKey(file),
      file: out,
      offsetSeconds: (header.firstFrameUs - origin) / 1e6 + pictureFrom,
      durationSeconds: durationSeconds - pictureFrom,
      height: streams.find((stream) => stream.type === 'video')?.height,
      source,
    };
  };
  const convert = async (): Promise<void> => {
    while (next < raw.length) {
      const n = next++;
      decoded[n] = await convertOne(n).catch((error: unknown) => {
        if (raw[n]!.unfinished && !(error instanceof RecordingComposeError)) return null;
        throw error;
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(raw.length, availableParallelism()) }, convert));
  return decoded.filter((track): track is DecodedTrack => track !== null);
}

/** Video tracks cut off by a crash, and finished ones in which not a single frame decodes. */
async function blindVideo(tracks: DecodedTrack[]): Promise<DecodedTrack[]> {
  const blind: DecodedTrack[] = [];
  for (const track of tracks) {
    if (track.kind !== 'video') continue;
    if (track.source.unfinished || !(await decodesAFrame(track.file))) blind.push(track);
  }
  return blind;
}

/** Whether ffmpeg decodes at least one picture from the file; stops at the first. */
async function decodesAFrame(file: string): Promise<boolean> {
  const { stdout } = await runTool(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-nostdin', '-max_error_rate', '1', '-i', file, '-map', '0:v:0', '-frames:v', '1', '-f', 'framemd5', '-'],
    5 * 60_000,
  );
  // framemd5 writes comment lines starting with '#', then one line per decoded frame.
  return stdout.split('\n').some((line) => line.trim() !== '' && !line.startsWith('#'));
}

function assertStreams(streams: ProbedStream[], media: ComposeOptions['media']): void {
  const audio = streams.filter((s) => s.type === 'audio').length;
  const video = streams.filter((s) => s.type === 'video').length;
  const expectedVideo = media === 'audio+video' ? 1 : 0;
  if (audio !== 1 || video !== expectedVideo) {
    throw new RecordingComposeError(`composed file has ${audio} audio and ${video} video streams`);
  }
}
