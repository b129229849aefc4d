import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { writeFile } from 'node:fs/promises';

/**
 * Writes Janus .mjr recordings (format MJR00002, as record.c writes them) from RTP
 * that a real encoder sent over loopback, so composer tests read genuine files
 * without a browser or a WebRTC call.
 */

export interface MjrFrame {
  /** Milliseconds since the first frame, as Janus stores it. */
  offsetMs: number;
  data: Buffer;
}

export interface MjrStream {
  type: 'a' | 'v' | 'd';
  codec: string;
  /** Wall-clock microseconds: recorder created (s) and first frame written (u). */
  createdUs: number;
  firstFrameUs: number;
  frames: MjrFrame[];
}

export function encodeMjr(stream: MjrStream): Buffer {
  const info = Buffer.from(
    JSON.stringify({ t: stream.type, c: stream.codec, s: stream.createdUs, u: stream.firstFrameUs }),
  );
  const parts: Buffer[] = [Buffer.from('MJR00002'), u16(info.length), info];
  for (const frame of stream.frames) {
    const payload =
      stream.type === 'd' ? Buffer.concat([u64(BigInt(stream.firstFrameUs + frame.offsetMs * 1000)), frame.data]) : frame.data;
    parts.push(Buffer.from('MEET'), u32(frame.offsetMs), u16(payload.length), payload);
  }
  return Buffer.concat(parts);
}

export interface RtpCaptureOptions {
  kind: 'audio' | 'video';
  seconds: number;
  /** Distinguishes participants: sine pitch / test pattern. */
  variant: number;
}

/** Runs ffmpeg in real time into a UDP socket on 127.0.0.1 and keeps the RTP packets. */
export async function captureRtp(opts: RtpCaptureOptions): Promise<MjrStream> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  const createdUs = nowUs();
  const packets: { atUs: number; data: Buffer }[] = [];
  socket.on('message', (data) => {
    // RTCP (sender reports) shares the port: packet types 200-204 in the second byte.
    const second = data[1] ?? 0;
    if (second >= 200 && second <= 204) return;
    packets.push({ atUs: nowUs(), data });
  });
  try {
    await runFfmpeg([...encoderArgs(opts), '-f', 'rtp', `rtp://127.0.0.1:${port}?rtcpport=${port}&pkt_size=1200`]);
    await new Promise((resolve) => setTimeout(resolve, 100));
  } finally {
    socket.close();
  }
  const first = packets[0];
  if (!first) throw new Error(`ffmpeg sent no RTP for ${opts.kind}`);
  return {
    type: opts.kind === 'audio' ? 'a' : 'v',
    codec: opts.kind === 'audio' ? 'opus' : 'vp8',
    createdUs,
    firstFrameUs: first.atUs,
    frames: packets.map((p) => ({ offsetMs: Math.round((p.atUs - first.atUs) / 1000), data: p.data })),
  };
}

export async function writeMjr(file: string, stream: MjrStream): Promise<void> {
  await writeFile(file, encodeMjr(stream));
}

function encoderArgs({ kind, seconds, variant }: RtpCaptureOptions): string[] {
  const common = ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi'];
  if (kind === 'audio') {
    return [
      ...common, '-i', `sine=frequency=${300 + 200 * variant}:sample_rate=48000:duration=${seconds}`,
      '-c:a', 'libopus', '-b:a', '32k', '-ac', '2', '-payload_type', '111',
    ];
  }
  const pattern = variant % 2 === 0 ? 'testsrc' : 'smptebars';
  return [
    ...common, '-i', `${pattern}=size=320x240:rate=15:duration=${seconds}`,
    '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k', '-g', '30',
    '-payload_type', '100',
  ];
}

function runFfmpeg(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}: ${stderr}`))));
  });
}

function nowUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function u64(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b;
}
