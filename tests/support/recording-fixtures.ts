import { createHash } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { and, eq } from 'drizzle-orm';
import pino from 'pino';
import type { Db } from '../../backend/src/db/client.js';
import { agents, calls, cases, customers, meetingTypes, recordings } from '../../backend/src/db/schema/index.js';
import { FfmpegComposer } from '../../backend/src/adapters/recording/ffmpeg-composer.js';
import { runTool } from '../../media/recording/tools.js';
import type { BlobStore } from '../../backend/src/ports/blob-store.js';
import type { MasterKeys } from '../../backend/src/ports/master-keys.js';
import type { RecordingComposer } from '../../backend/src/ports/recording-composer.js';
import type { S3LocationConfig } from '../../backend/src/config.js';
import { openRecordingStores } from '../../backend/src/recording-stores.js';
import { beginRecording } from '../../backend/src/services/recordings/begin.js';
import { newLeaseOwner } from '../../backend/src/services/recordings/claim.js';
import type { PipelineDeps } from '../../backend/src/services/recordings/pipeline.js';
import { provisionTenant } from '../../backend/src/services/tenants/provision.js';
import { captureRtp, writeMjr } from './mjr-writer.js';

/**
 * Raw recordings of a two-person call as Janus writes them (.mjr per stream, a data channel that
 * must be dropped), captured once from a real encoder and copied for every recording a test needs.
 */
export async function captureRawCall(seconds = 4): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'parley-raw-call-'));
  const people = await Promise.all(
    [0, 1].map(async (variant) => {
      const [audio, video] = await Promise.all([captureRtp({ kind: 'audio', seconds, variant }), captureRtp({ kind: 'video', seconds, variant })]);
      return { audio, video };
    }),
  );
  for (const [n, person] of people.entries()) {
    const base = `videoroom-4242-user-${n + 1}-1700000000000000`;
    await writeMjr(path.join(dir, `${base}-audio-0.mjr`), person.audio);
    await writeMjr(path.join(dir, `${base}-video-1.mjr`), person.video);
  }
  const first = people[0]!.audio;
  await writeMjr(path.join(dir, 'videoroom-4242-user-1-1700000000000000-data-2.mjr'), {
    type: 'd', codec: 'text', createdUs: first.createdUs, firstFrameUs: first.firstFrameUs,
    frames: [{ offsetMs: 10, data: Buffer.from('a chat line that must not be kept') }],
  });
  return dir;
}

export interface SeededRecording {
  tenantId: string;
  customerId: string;
  callId: string;
  recordingId: string;
  agentId: string;
  rawDir: string;
}

/** A tenant as a first install makes it, with one agent; `account` keeps suites apart. */
export async function seedTenant(db: Db, account: string) {
  const { tenantId } = await provisionTenant(db, { host: 'zendesk', externalAccountId: account });
  const [agent] = await db.insert(agents).values({ tenantId, host: 'zendesk', externalUserId: `${account}-agent`, displayName: 'Dana Agent' }).returning();
  return { tenantId, agentId: agent!.id };
}

/**
 * An ended call of the meeting type `key` with its recording job and the raw files in place, as a
 * finished call leaves them. Rows go in directly: the pipeline under test starts after the call.
 */
export async function seedEndedRecordedCall(
  db: Db,
  dataDir: string,
  tenant: { tenantId: string; agentId: string },
  rawTemplate: string,
  /** `running`: the call is still active (no end yet), as when the media server writes while it goes on. */
  /** `teamsChat`: the case is that Teams chat rather than a Zendesk ticket. `customerId`: another call of that customer. */
  options: { meetingType?: 'advice' | 'consultation'; ticketId?: string; teamsChat?: string; customerId?: string; running?: boolean } = {},
): Promise<SeededRecording> {
  const { tenantId, agentId } = tenant;
  const [type] = await db
    .select()
    .from(meetingTypes)
    .where(and(eq(meetingTypes.tenantId, tenantId), eq(meetingTypes.key, options.meetingType ?? 'advice')));
  const [customer] = options.customerId
    ? await db.select().from(customers).where(eq(customers.id, options.customerId))
    : await db.insert(customers).values({ tenantId, displayName: 'Chris Customer', email: 'chris@example.org' }).returning();
  const [kase] = await db
    .insert(cases)
    .values(
      options.teamsChat
        ? { tenantId, host: 'teams', externalId: options.teamsChat, channel: 'teams_chat', conversationId: options.teamsChat, customerId: customer!.id }
        : { tenantId, host: 'zendesk', externalId: options.ticketId ?? String(Math.floor(Math.random() * 1e9)), customerId: customer!.id },
    )
    .returning();
  const [call] = await db
    .insert(calls)
    .values({
      tenantId, caseId: kase!.id, customerId: customer!.id, agentId, meetingTypeId: type!.id, state: options.running ? 'active' : 'ended',
      mediaNodeId: 'janus-1', mediaRoomId: 4242, mediaRoomPin: '0000', mediaRoomSecret: 'secret', endedAt: options.running ? null : new Date(),
    })
    .returning();
  await db.transaction((tx) => beginRecording({ dataDir, recordingMinFreeBytes: 0 }, tx, call!, type!));
  const [recording] = await db.select().from(recordings).where(eq(recordings.callId, call!.id));
  await cp(rawTemplate, recording!.rawDir, { recursive: true });
  return { tenantId, customerId: customer!.id, callId: call!.id, recordingId: recording!.id, agentId, rawDir: recording!.rawDir };
}

/** Keys and stores as `npm start` has them by default: a key file per tenant and the disk, under `dataDir`. */
export function localStores(dataDir: string, s3: S3LocationConfig[] = []) {
  return openRecordingStores({ dataDir, storage: { localRegion: 'eu', s3 }, kms: { provider: 'local' } });
}

type Composed = Awaited<ReturnType<RecordingComposer['compose']>>;
const compositions = new Map<string, Promise<{ bytes: Buffer; composed: Composed }>>();

/**
 * For suites that need stored recordings, not a test of composing them (that is
 * recording-pipeline's and janus-recording-compose's): the real FfmpegComposer composes each
 * distinct raw input once per test worker, and a job whose raw files are the same bytes (every
 * seeded call copies one template) gets that output remuxed (`-c copy`, which gives the file new
 * random container ids, so no two stored recordings are the same bytes, as in life). Composing is
 * most of a recording job's CPU, and such suites store dozens. The output is kept in memory.
 */
export const composingOnce: RecordingComposer = {
  async compose(input) {
    const digest = createHash('sha256').update(input.media);
    for (const name of (await readdir(input.rawDir)).sort()) digest.update(name).update(await readFile(path.join(input.rawDir, name)));
    const key = digest.digest('hex');
    const cached = compositions.get(key);
    if (!cached) {
      const composition = new FfmpegComposer().compose(input).then(async (composed) => ({ bytes: await readFile(input.outFile), composed }));
      compositions.set(key, composition);
      // A failed compose is not kept: the next job composes again.
      composition.catch(() => compositions.delete(key));
      return (await composition).composed;
    }
    await input.onPhase?.('converting');
    await input.onPhase?.('muxing');
    const { bytes, composed } = await cached;
    // In the job's work folder, which the pipeline wipes, as the composer's own intermediates are.
    const copy = `${input.outFile}.cached.webm`;
    await writeFile(copy, bytes, { mode: 0o600 });
    try {
      await runTool('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-i', copy, '-c', 'copy', '-f', 'webm', '-y', input.outFile]);
    } finally {
      await rm(copy, { force: true });
    }
    return composed;
  },
};

export function pipelineDeps(
  db: Db,
  dataDir: string,
  keysAndStores: { masterKeys: MasterKeys; stores: ReadonlyMap<string, BlobStore> },
  overrides: Partial<PipelineDeps> = {},
): PipelineDeps {
  return {
    db,
    composer: new FfmpegComposer(),
    ...keysAndStores,
    logger: pino({ level: 'silent' }),
    dataDir,
    publicBaseUrl: 'http://parley.test',
    lease: { owner: newLeaseOwner(), ms: 30_000 },
    retry: { baseDelayMs: 100, maxDelayMs: 400 },
    maxComposeAttempts: 3,
    ...overrides,
  };
}

const PLAINTEXT_MAGIC = [
  Buffer.from('MJR0'), // Janus raw recording
  Buffer.from([0x1a, 0x45, 0xdf, 0xa3]), // Matroska / WebM
  Buffer.from('OggS'), // Ogg / Opus
];

/** Every file under `dir` that holds media in the clear, judged by content, not by name. */
export async function plaintextMediaUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (at: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() && (await stat(full)).size > 0) {
        const head = (await readFile(full)).subarray(0, 4);
        if (PLAINTEXT_MAGIC.some((magic) => head.equals(magic))) found.push(path.relative(dir, full));
      }
    }
  };
  await walk(dir);
  return found;
}

export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(100);
  }
}
