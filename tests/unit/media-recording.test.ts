import { describe, expect, it } from 'vitest';
import { RecordingComposeError } from '../../media/recording/errors.js';
import { DEFAULT_LAYOUT, planCompose, tileFor, type ComposePlan, type TimelineTrack } from '../../media/recording/layout.js';
import { parseMjrHeader, participantKey } from '../../media/recording/mjr.js';
import { parseProbe } from '../../media/recording/tools.js';
import { encodeMjr } from '../support/mjr-writer.js';

describe('parseMjrHeader', () => {
  it('reads kind, codec and first-frame time from a Janus recording', () => {
    const bytes = encodeMjr({
      type: 'v', codec: 'vp8', createdUs: 1_000, firstFrameUs: 2_500_000,
      frames: [{ offsetMs: 0, data: Buffer.from([0x80, 100, 0, 1]) }],
    });
    expect(parseMjrHeader(bytes)).toEqual({
      kind: 'video', codec: 'vp8', createdUs: 1_000, firstFrameUs: 2_500_000, encrypted: false,
    });
  });

  it('treats a recording that never got a packet as empty', () => {
    expect(parseMjrHeader(Buffer.from('MJR00002'))).toBeNull();
  });

  it('flags end-to-end encrypted media', () => {
    const info = Buffer.from(JSON.stringify({ t: 'a', c: 'opus', s: 1, u: 2, e: true }));
    const length = Buffer.alloc(2);
    length.writeUInt16BE(info.length);
    expect(parseMjrHeader(Buffer.concat([Buffer.from('MJR00002'), length, info]))?.encrypted).toBe(true);
  });

  it('rejects files that are not MJR00002', () => {
    expect(() => parseMjrHeader(Buffer.from('MJR00001xxxx'))).toThrow(RecordingComposeError);
    expect(() => parseMjrHeader(Buffer.from('RIFF....'))).toThrow(RecordingComposeError);
  });
});

describe('participantKey', () => {
  it('groups one participant’s streams and restarted pieces', () => {
    const keys = [
      'videoroom-99-user-7-1700000000000001-audio-0.mjr',
      'videoroom-99-user-7-1700000000000001-video-1.mjr',
      'videoroom-99-user-7-1700000009999999-video-1.mjr.tmp',
    ].map(participantKey);
    expect(new Set(keys)).toEqual(new Set(['videoroom-99-user-7']));
    expect(participantKey('videoroom-99-user-8-1700000000000001-video-1.mjr')).toBe('videoroom-99-user-8');
  });

  it('uses the base name when Janus was given one', () => {
    expect(participantKey('customer-video-1.mjr')).toBe('customer');
  });
});

describe('planCompose', () => {
  const track = (kind: 'audio' | 'video', participant: string, offsetSeconds: number, durationSeconds = 4, height?: number): TimelineTrack => ({
    kind, participant, file: `/w/${participant}-${kind}-${offsetSeconds}`, offsetSeconds, durationSeconds, ...(height ? { height } : {}),
  });
  const graph = (args: string[]) => args[args.indexOf('-filter_complex') + 1] ?? '';
  const av = { ...DEFAULT_LAYOUT, media: 'audio+video' as const };
  const videoRun = (plan: ComposePlan) => plan.encodes.find((args) => args.includes('libvpx'))!;
  const audioRun = (plan: ComposePlan) => plan.encodes.find((args) => args.includes('libopus'))!;

  it('delays the late starter and mixes both voices into one stream, in one run when there is no video', () => {
    const plan = planCompose([track('audio', 'a', 0), track('audio', 'b', 1.25)], { ...DEFAULT_LAYOUT, media: 'audio' }, '/o', '/work');
    expect(plan.encodes).toHaveLength(1);
    expect(plan.mux).toBeNull();
    const args = plan.encodes[0]!;
    expect(graph(args)).toContain('adelay=delays=0:all=1');
    expect(graph(args)).toContain('adelay=delays=1250:all=1');
    expect(graph(args)).toContain('amix=inputs=2');
    expect(args).not.toContain('[vout]');
    expect(args.slice(-3)).toEqual(['-f', 'webm', '/o']);
    expect(args[args.indexOf('-t') + 1]).toBe('5.250');
  });

  it('encodes picture and sound side by side, each from its own tracks, then copies both into the result', () => {
    const tracks = [track('audio', 'a', 0), track('video', 'a', 0), track('audio', 'b', 1), track('video', 'b', 1)];
    const plan = planCompose(tracks, av, '/o', '/work');
    expect(plan.encodes).toHaveLength(2);
    const inputs = (args: string[]) => args.filter((_, i) => args[i - 1] === '-i');
    expect(inputs(videoRun(plan))).toEqual(['/w/a-video-0', '/w/b-video-1']);
    expect(inputs(audioRun(plan))).toEqual(['/w/a-audio-0', '/w/b-audio-1']);
    expect(videoRun(plan).slice(-3)).toEqual(['-f', 'webm', '/work/video.webm']);
    expect(audioRun(plan).slice(-3)).toEqual(['-f', 'webm', '/work/audio.webm']);
    expect(plan.mux).toEqual(expect.arrayContaining(['-i', '/work/video.webm', '-i', '/work/audio.webm', '-c', 'copy']));
    expect(plan.mux!.slice(-3)).toEqual(['-f', 'webm', '/o']);
    expect(plan.mux![plan.mux!.indexOf('-t') + 1]).toBe('5.000');
  });

  it('puts two participants side by side and pads the late one with black', () => {
    const plan = planCompose([track('audio', 'a', 0), track('video', 'a', 0), track('audio', 'b', 1), track('video', 'b', 1)], av, '/o', '/work');
    const args = videoRun(plan);
    expect(graph(args)).toContain('hstack=inputs=2[vout]');
    expect(graph(args)).toContain('tpad=start_duration=1.000:stop_duration=0.000');
    expect(graph(args)).toContain('tpad=start_duration=0.000:stop_duration=1.000');
    expect(args).toEqual(expect.arrayContaining(['-deadline', 'realtime', '-cpu-used', '16']));
  });

  it('lays one participant’s pieces end to end in a single tile', () => {
    const plan = planCompose([track('video', 'a', 0, 2), track('video', 'a', 5, 2), track('audio', 'a', 0, 7)], av, '/o', '/work');
    expect(graph(videoRun(plan))).toContain('concat=n=2:v=1:a=0[t0]');
    expect(graph(videoRun(plan))).toContain('tpad=start_duration=3.000');
    expect(graph(videoRun(plan))).toContain('[t0]null[vout]');
  });

  it('uses a grid beyond three people and silence when nobody was heard', () => {
    const plan = planCompose(['a', 'b', 'c', 'd'].map((p) => track('video', p, 0)), av, '/o', '/work');
    expect(graph(videoRun(plan))).toContain('xstack=inputs=4:layout=0_0|640_0|0_360|640_360:fill=black[vout]');
    expect(graph(audioRun(plan))).toContain('anullsrc=r=48000');
  });

  it('never upscales: tiles as tall as the tallest picture sent, bitrate in proportion to the area', () => {
    expect(tileFor([track('video', 'a', 0, 4, 240), track('video', 'b', 0, 4, 180)], av)).toEqual({ width: 426, height: 240, videoBitrate: 443_750 });
    expect(tileFor([track('video', 'a', 0, 4, 720), track('video', 'b', 0, 4, 240)], av)).toEqual({ width: 640, height: 360, videoBitrate: 1_000_000 });
    // Unknown sizes count as full size; tiny pictures still get a recognisable tile.
    expect(tileFor([track('video', 'a', 0)], av)).toMatchObject({ width: 640, height: 360 });
    expect(tileFor([track('video', 'a', 0, 4, 60)], av)).toMatchObject({ width: 214, height: 120 });
    const plan = planCompose([track('video', 'a', 0, 4, 240), track('video', 'b', 0, 4, 240)], av, '/o', '/work');
    expect(graph(videoRun(plan))).toContain('scale=426:240:force_original_aspect_ratio=decrease,pad=426:240');
    expect(videoRun(plan)[videoRun(plan).indexOf('-b:v') + 1]).toBe('443750');
  });
});

describe('parseProbe', () => {
  it('falls back to stream durations when the container has none', () => {
    const probe = parseProbe({
      format: {},
      streams: [
        { index: 0, codec_type: 'video', codec_name: 'vp8', width: 640, height: 360 },
        { index: 1, codec_type: 'audio', codec_name: 'opus', duration: '4.020000' },
      ],
    });
    expect(probe.durationSeconds).toBeCloseTo(4.02);
    expect(probe.streams).toEqual([
      { index: 0, type: 'video', codec: 'vp8', width: 640, height: 360 },
      { index: 1, type: 'audio', codec: 'opus' },
    ]);
    expect(probe.firstKeyFrameSeconds).toBeUndefined();
  });

  it('finds the first key frame among the packets read, and says nothing when none was among them', () => {
    const packets = [
      { pts_time: '0.000000', flags: '__' },
      { pts_time: '0.067000', flags: '_D' },
      { pts_time: '1.933000', flags: 'K_' },
      { pts_time: '3.933000', flags: 'K_' },
    ];
    expect(parseProbe({ format: { duration: '4.0' }, streams: [], packets }).firstKeyFrameSeconds).toBeCloseTo(1.933);
    expect(parseProbe({ format: { duration: '4.0' }, streams: [], packets: packets.slice(0, 2) }).firstKeyFrameSeconds).toBeUndefined();
    // A track whose timestamps start later: the wait is counted from its first packet.
    const later = packets.map((p) => ({ ...p, pts_time: String(Number(p.pts_time) + 5) }));
    expect(parseProbe({ format: { duration: '9.0', start_time: '5.0' }, streams: [], packets: later }).firstKeyFrameSeconds).toBeCloseTo(1.933);
  });
});
