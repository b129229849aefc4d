import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeRecording, probeMedia } from '../../media/recording/compose.js';
import { RecordingComposeError } from '../../media/recording/errors.js';
import { runTool } from '../../media/recording/tools.js';
import { captureRtp, writeMjr, type MjrStream } from '../support/mjr-writer.js';

const SECONDS = 4;
const LATE_BY_MS = 1000;

/** Named the way Janus 1.1.2's VideoRoom names them. */
function janusName(user: number, kind: 'audio' | 'video' | 'data', mindex: number): string {
  return `videoroom-4242-user-${user}-1700000000000000-${kind}-${mindex}.mjr`;
}

async function captureParticipant(variant: number): Promise<{ audio: MjrStream; video: MjrStream }> {
  const [audio, video] = await Promise.all([
    captureRtp({ kind: 'audio', seconds: SECONDS, variant }),
    captureRtp({ kind: 'video', seconds: SECONDS, variant }),
  ]);
  return { audio, video };
}

/** Mean brightness (Y, 16 = black) of one of two side-by-side tiles of the frame at `atSeconds`. */
async function tileBrightness(file: string, atSeconds: number, tile: number): Promise<number> {
  const { stderr } = await runTool('ffmpeg', [
    '-hide_banner', '-ss', String(atSeconds), '-i', file, '-frames:v', '1',
    '-vf', `crop=iw/2:ih:${tile}*iw/2:0,signalstats,metadata=print:key=lavfi.signalstats.YAVG`,
    '-f', 'null', '-',
  ]);
  const match = /lavfi\.signalstats\.YAVG=([\d.]+)/.exec(stderr);
  if (!match?.[1]) throw new Error(`no brightness in: ${stderr.slice(-500)}`);
  return Number(match[1]);
}

describe('composeRecording on real .mjr files', () => {
  let base: string;
  let twoPeople: string;
  let onePerson: string;

  beforeAll(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'parley-compose-'));
    twoPeople = path.join(base, 'raw-two');
    onePerson = path.join(base, 'raw-one');
    await mkdir(twoPeople);
    await mkdir(onePerson);
    const first = captureParticipant(0);
    await sleep(LATE_BY_MS);
    const [a, b] = await Promise.all([first, captureParticipant(1)]);
    await writeMjr(path.join(twoPeople, janusName(1, 'audio', 0)), a.audio);
    await writeMjr(path.join(twoPeople, janusName(1, 'video', 1)), a.video);
    await writeMjr(path.join(twoPeople, janusName(2, 'audio', 0)), b.audio);
    await writeMjr(path.join(twoPeople, janusName(2, 'video', 1)), b.video);
    // Chat over the data channel and a stream that never carried a packet: both must be ignored.
    await writeMjr(path.join(twoPeople, janusName(1, 'data', 2)), {
      type: 'd', codec: 'text', createdUs: a.audio.createdUs, firstFrameUs: a.audio.firstFrameUs,
      frames: [{ offsetMs: 10, data: Buffer.from('hello') }],
    });
    await writeFile(path.join(twoPeople, janusName(2, 'data', 2)), 'MJR00002');
    for (const name of [janusName(1, 'audio', 0), janusName(1, 'video', 1)]) {
      await copyFile(path.join(twoPeople, name), path.join(onePerson, name));
    }
  }, 60_000);

  afterAll(async () => {
    if (base) await rm(base, { recursive: true, force: true });
  });

  describe('two participants, the second joining late', () => {
    let outFile: string;
    let result: Awaited<ReturnType<typeof composeRecording>>;

    beforeAll(async () => {
      outFile = path.join(base, 'two.webm');
      result = await composeRecording({ rawDir: twoPeople, outFile, media: 'audio+video' });
    }, 60_000);

    it('makes one WebM with one mixed audio and one side-by-side video stream', async () => {
      const probe = await probeMedia(outFile);
      expect(probe.streams.filter((s) => s.type === 'audio')).toHaveLength(1);
      expect(probe.streams.filter((s) => s.type === 'video')).toHaveLength(1);
      // Both sent 320×240: two 16:9 tiles of that height, the pictures not upscaled.
      expect(probe.streams.find((s) => s.type === 'video')).toMatchObject({ codec: 'vp8', width: 2 * 426, height: 240 });
      expect(probe.streams.find((s) => s.type === 'audio')).toMatchObject({ codec: 'opus' });
      expect(probe.durationSeconds).toBeGreaterThanOrEqual(3);
      expect(result.outFile).toBe(outFile);
      expect(result.durationSeconds).toBeCloseTo(probe.durationSeconds, 1);
    });

    it('keeps the late joiner black until they joined, then shows them', async () => {
      expect(await tileBrightness(outFile, 0.3, 1)).toBeLessThan(20);
      expect(await tileBrightness(outFile, 0.3, 0)).toBeGreaterThan(40);
      expect(await tileBrightness(outFile, 2.5, 1)).toBeGreaterThan(40);
    });
  });

  it('writes audio only when asked for audio', async () => {
    const outFile = path.join(base, 'voice.webm');
    const result = await composeRecording({ rawDir: twoPeople, outFile, media: 'audio' });
    expect(result.streams.map((s) => s.type)).toEqual(['audio']);
    expect(result.durationSeconds).toBeGreaterThanOrEqual(3);
  });

  it('gives a single participant one full tile', async () => {
    const outFile = path.join(base, 'one.webm');
    const result = await composeRecording({ rawDir: onePerson, outFile, media: 'audio+video' });
    expect(result.streams.find((s) => s.type === 'video')).toMatchObject({ width: 426, height: 240 });
    expect(result.streams.filter((s) => s.type === 'audio')).toHaveLength(1);
  });

  it('leaves no half-written or intermediate files behind, and keeps the raw files', async () => {
    const outDir = path.join(base, 'clean');
    await mkdir(outDir);
    await composeRecording({ rawDir: onePerson, outFile: path.join(outDir, 'call.webm'), media: 'audio+video' });
    expect(await readdir(outDir)).toEqual(['call.webm']);
    expect((await readdir(onePerson)).sort()).toEqual([janusName(1, 'audio', 0), janusName(1, 'video', 1)]);
  });

  describe('salvaging what a crashed Janus left', () => {
    /** A copy of `stream` whose video payload, past the RTP and VP8 headers, is zeros, as in a recorder cut off mid-write. */
    function scrambled(stream: MjrStream): MjrStream {
      return {
        ...stream,
        frames: stream.frames.map((frame) => ({ ...frame, data: Buffer.concat([frame.data.subarray(0, 14), Buffer.alloc(frame.data.length - 14)]) })),
      };
    }

    async function rawDirWith(name: string, video: MjrStream, videoFile: string): Promise<string> {
      const dir = path.join(base, name);
      await mkdir(dir);
      await copyFile(path.join(onePerson, janusName(1, 'audio', 0)), path.join(dir, `${janusName(1, 'audio', 0)}.tmp`));
      await writeMjr(path.join(dir, videoFile), scrambled(video));
      return dir;
    }

    let video: MjrStream;
    beforeAll(async () => {
      video = (await captureParticipant(2)).video;
    }, 60_000);

    it('keeps the sound of an unfinished recording whose picture does not decode, with a black picture', async () => {
      const videoFile = `${janusName(1, 'video', 1)}.tmp`;
      const dir = await rawDirWith('raw-cut', video, videoFile);
      const outFile = path.join(base, 'cut.webm');
      const result = await composeRecording({ rawDir: dir, outFile, media: 'audio+video', includeUnfinished: true });
      expect(result.droppedTracks).toEqual([videoFile]);
      expect(result.streams.map((s) => s.type).sort()).toEqual(['audio', 'video']);
      expect(result.durationSeconds).toBeGreaterThanOrEqual(3);
      expect(await tileBrightness(outFile, 1, 0)).toBeLessThan(20);
      // The sound is the participant's, not silence.
      const { stderr } = await runTool('ffmpeg', ['-hide_banner', '-i', outFile, '-af', 'volumedetect', '-vn', '-f', 'null', '-']);
      expect(Number(/max_volume: (-?[\d.]+) dB/.exec(stderr)?.[1])).toBeGreaterThan(-40);
    });

    it('keeps the sound of a finished recording in which no picture decodes, as when the call ended before the first key frame', async () => {
      const videoFile = janusName(1, 'video', 1);
      const dir = await rawDirWith('raw-blind', video, videoFile);
      const outFile = path.join(base, 'blind.webm');
      const result = await composeRecording({ rawDir: dir, outFile, media: 'audio+video', includeUnfinished: true });
      expect(result.droppedTracks).toEqual([videoFile]);
      expect(result.streams.map((s) => s.type).sort()).toEqual(['audio', 'video']);
      expect(await tileBrightness(outFile, 1, 0)).toBeLessThan(20);
    });
  });

  it('keeps picture and sound in step when the first key frame came late, as when recording starts mid-call', async () => {
    const { audio, video } = await captureParticipant(3);
    // Without its first frame (the key frame), the video starts with pictures that cannot decode
    // until the next key frame, two seconds in (the encoder makes one every 30 frames at 15 a second).
    const rtpTimestamp = (frame: MjrStream['frames'][number]) => frame.data.readUInt32BE(4);
    const rest = video.frames.filter((frame) => rtpTimestamp(frame) !== rtpTimestamp(video.frames[0]!));
    const shift = rest[0]!.offsetMs;
    const lateKey: MjrStream = {
      ...video,
      firstFrameUs: video.firstFrameUs + shift * 1000,
      frames: rest.map((frame) => ({ ...frame, offsetMs: frame.offsetMs - shift })),
    };
    const dir = path.join(base, 'raw-late-key');
    await mkdir(dir);
    await writeMjr(path.join(dir, janusName(1, 'audio', 0)), audio);
    await writeMjr(path.join(dir, janusName(1, 'video', 1)), lateKey);
    const outFile = path.join(base, 'late-key.webm');
    const result = await composeRecording({ rawDir: dir, outFile, media: 'audio+video' });
    expect(result.droppedTracks).toEqual([]);
    // Black until the key frame, the picture after it: shown from the first packet instead, it
    // would run two seconds ahead of the sound.
    expect(await tileBrightness(outFile, 1, 0)).toBeLessThan(20);
    expect(await tileBrightness(outFile, SECONDS - 1, 0)).toBeGreaterThan(40);
  }, 60_000);

  it('refuses a folder without call media and writes nothing', async () => {
    const empty = path.join(base, 'raw-empty');
    await mkdir(empty);
    await writeFile(path.join(empty, janusName(3, 'audio', 0)), 'MJR00002');
    const outFile = path.join(base, 'empty.webm');
    await expect(composeRecording({ rawDir: empty, outFile, media: 'audio' })).rejects.toBeInstanceOf(
      RecordingComposeError,
    );
    expect((await readdir(base)).filter((n) => n.includes('empty.webm') || n.startsWith('.'))).toEqual([]);
  });
});
