import { describe, expect, it } from 'vitest';
import { RecordingComposeError } from '../../media/recording/errors.js';
import { buildComposeArgs, DEFAULT_LAYOUT, type TimelineTrack } from '../../media/recording/layout.js';
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

describe('buildComposeArgs', () => {
  const track = (kind: 'audio' | 'video', participant: string, offsetSeconds: number, durationSeconds = 4): TimelineTrack => ({
    kind, participant, file: `/w/${participant}-${kind}-${offsetSeconds}`, offsetSeconds, durationSeconds,
  });
  const graph = (args: string[]) => args[args.indexOf('-filter_complex') + 1] ?? '';

  it('delays the late starter and mixes both voices into one stream', () => {
    const args = buildComposeArgs([track('audio', 'a', 0), track('audio', 'b', 1.25)], { ...DEFAULT_LAYOUT, media: 'audio' }, '/o');
    expect(graph(args)).toContain('adelay=delays=0:all=1');
    expect(graph(args)).toContain('adelay=delays=1250:all=1');
    expect(graph(args)).toContain('amix=inputs=2');
    expect(args).not.toContain('[vout]');
    expect(args.slice(-3)).toEqual(['-f', 'webm', '/o']);
    expect(args[args.indexOf('-t') + 1]).toBe('5.250');
  });

  it('puts two participants side by side and pads the late one with black', () => {
    const args = buildComposeArgs(
      [track('audio', 'a', 0), track('video', 'a', 0), track('audio', 'b', 1), track('video', 'b', 1)],
      { ...DEFAULT_LAYOUT, media: 'audio+video' },
      '/o',
    );
    expect(graph(args)).toContain('hstack=inputs=2[vout]');
    expect(graph(args)).toContain('tpad=start_duration=1.000:stop_duration=0.000');
    expect(graph(args)).toContain('tpad=start_duration=0.000:stop_duration=1.000');
    expect(args).toEqual(expect.arrayContaining(['-deadline', 'realtime', '-cpu-used', '16']));
  });

  it('lays one participant’s pieces end to end in a single tile', () => {
    const args = buildComposeArgs(
      [track('video', 'a', 0, 2), track('video', 'a', 5, 2), track('audio', 'a', 0, 7)],
      { ...DEFAULT_LAYOUT, media: 'audio+video' },
      '/o',
    );
    expect(graph(args)).toContain('concat=n=2:v=1:a=0[t0]');
    expect(graph(args)).toContain('tpad=start_duration=3.000');
    expect(graph(args)).toContain('[t0]null[vout]');
  });

  it('uses a grid beyond three people and silence when nobody was heard', () => {
    const args = buildComposeArgs(
      ['a', 'b', 'c', 'd'].map((p) => track('video', p, 0)),
      { ...DEFAULT_LAYOUT, media: 'audio+video' },
      '/o',
    );
    expect(graph(args)).toContain('xstack=inputs=4:layout=0_0|640_0|0_360|640_360:fill=black[vout]');
    expect(graph(args)).toContain('anullsrc=r=48000');
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
  });
});
