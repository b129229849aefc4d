import { open } from 'node:fs/promises';
import path from 'node:path';
import { RecordingComposeError } from './errors.js';

/** The JSON info block Janus writes after the MJR00002 magic, on the first frame. */
export interface MjrHeader {
  kind: 'audio' | 'video' | 'data';
  codec: string;
  /** Wall clock (µs) when the recorder was created. */
  createdUs: number;
  /** Wall clock (µs) when the first frame was written: where this track starts. */
  firstFrameUs: number;
  /** End-to-end encrypted media: janus-pp-rec cannot decode it. */
  encrypted: boolean;
}

const MAGIC = 'MJR00002';
/** Largest possible info block: a u16 length. */
const HEADER_READ_BYTES = MAGIC.length + 2 + 0xffff;

/** Returns null for a recording that never received a packet (Janus writes the info lazily). */
export async function readMjrHeader(file: string): Promise<MjrHeader | null> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(HEADER_READ_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return parseMjrHeader(buffer.subarray(0, bytesRead), file);
  } finally {
    await handle.close();
  }
}

export function parseMjrHeader(bytes: Buffer, name = 'recording'): MjrHeader | null {
  const magic = bytes.subarray(0, MAGIC.length).toString('latin1');
  if (magic !== MAGIC) {
    throw new RecordingComposeError(`${name}: not an MJR00002 recording (starts with "${magic}")`);
  }
  if (bytes.length <= MAGIC.length + 2) return null;
  const length = bytes.readUInt16BE(MAGIC.length);
  const start = MAGIC.length + 2;
  if (bytes.length < start + length) throw new RecordingComposeError(`${name}: truncated MJR header`);
  let info: Record<string, unknown>;
  try {
    info = JSON.parse(bytes.subarray(start, start + length).toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new RecordingComposeError(`${name}: MJR header is not JSON`);
  }
  const kind = ({ a: 'audio', v: 'video', d: 'data' } as const)[String(info.t) as 'a' | 'v' | 'd'];
  if (!kind || typeof info.c !== 'string' || typeof info.u !== 'number') {
    throw new RecordingComposeError(`${name}: MJR header lacks t/c/u`);
  }
  return {
    kind,
    codec: info.c,
    createdUs: typeof info.s === 'number' ? info.s : info.u,
    firstFrameUs: info.u,
    encrypted: info.e === true,
  };
}

/**
 * Groups a participant's streams (and the pieces left when recording was switched
 * off and on): Janus 1.1.2 names files `videoroom-<room>-user-<id>-<time>-<kind>-<mindex>`,
 * or `<base>-<kind>-<mindex>` when a base name was given.
 */
export function participantKey(file: string): string {
  const name = path.basename(file).replace(/\.mjr(\.[^.]+)?$/, '');
  const janus = /^(videoroom-.+-user-.+)-\d+-(audio|video|data)-\d+$/.exec(name);
  if (janus?.[1]) return janus[1];
  const based = /^(.+)-(audio|video|data)-\d+$/.exec(name);
  return based?.[1] ?? name;
}
