import { spawnSync } from 'node:child_process';
import { CRYPTO_BYTES, RANGE_BYTES, cryptoRatios, type CryptoFigures } from './recording-crypto.js';
import { percentile, median } from './load.js';
import type { Machine } from './machine.js';
import { RANGE_LENGTH, RANGE_REQUESTS, RANGE_WARMUP, RECORDING_BYTES, RSS_SAMPLE_MS, type MediaRangeFigures, type ServedFigures } from './media-range.js';
import { CALL_SECONDS, POST_CALL_RUNS, STAGES, doneMs, storedMs, type PostCallFigures } from './post-call.js';
import { markdownTable, type Goal } from './report.js';

export const RECORDING_PARTS = ['recording-crypto', 'post-call', 'media-range'] as const;
export type RecordingPart = (typeof RECORDING_PARTS)[number];

export const RECORDING_GOALS = {
  cryptoRatio: 0.6,
  postCallRatio: 1.15,
  postCallMs: 2000,
  firstByteP99Ms: 20,
  streamRssGrowthMiB: 32,
};

export interface RecordingFigures {
  crypto?: CryptoFigures;
  postCall?: PostCallFigures;
  mediaRange?: MediaRangeFigures;
}

/** Who measured a subsection: each carries its own, since a partial run rewrites only its own parts. */
export interface RecordingRun {
  date: Date;
  machine: Machine;
  loadAtStart: number;
  /** As typed, e.g. `PARLEY_BENCH_ONLY=post-call npm run bench`, and what npm runs for it. */
  command: string;
  script: string;
}

export const SECTION_HEADING = '## 4. Recordings';
const HEADINGS: Record<RecordingPart, string> = {
  'recording-crypto': '### 4.1 Encryption throughput (`recording-crypto`)',
  'post-call': '### 4.2 Call end → recording stored (`post-call`)',
  'media-range': '### 4.3 Playback of a 1 GiB recording (`media-range`)',
};

const ms = (value: number) => `${value.toFixed(1)} ms`;
const wholeMs = (value: number) => `${Math.round(value).toLocaleString('en-US')} ms`;
const MBps = (value: number) => `${Math.round(value).toLocaleString('en-US')} MB/s`;
const MiB = (bytes: number) => `${Number.isInteger(bytes / 2 ** 20) ? bytes / 2 ** 20 : (bytes / 2 ** 20).toFixed(1)} MiB`;
const verdict = (pass: boolean): Goal['verdict'] => (pass ? 'PASS' : 'MISS');

export function recordingGoals(figures: RecordingFigures): Goal[] {
  const goals: Goal[] = [];
  const g = RECORDING_GOALS;
  if (figures.crypto) {
    const ratio = cryptoRatios(figures.crypto);
    for (const [name, value] of [['encryptStream', ratio.encrypt], ['decryptStream', ratio.decrypt]] as const) {
      goals.push({ part: 'recording-crypto', name: `${name} throughput ≥ ${g.cryptoRatio} × openssl speed`, measured: `${value.toFixed(2)} ×`, verdict: verdict(value >= g.cryptoRatio) });
    }
  }
  if (figures.postCall) {
    const stored = storedMs(figures.postCall);
    const baseline = median(figures.postCall.baselineMs);
    goals.push({ part: 'post-call', name: `post-call (stored) ≤ ${g.postCallRatio} × compose alone, median`, measured: `${(stored / baseline).toFixed(2)} ×`, verdict: verdict(stored <= g.postCallRatio * baseline) });
    goals.push({ part: 'post-call', name: `post-call (stored) < ${g.postCallMs} ms for a ${CALL_SECONDS} s call, median`, measured: `${Math.round(stored)} ms`, verdict: verdict(stored < g.postCallMs) });
  }
  if (figures.mediaRange) {
    const p99 = percentile([...figures.mediaRange.parley.ranges.firstByteMs].sort((a, b) => a - b), 99);
    const growth = (figures.mediaRange.parley.stream.rssMaxBytes - figures.mediaRange.parley.stream.rssBeforeBytes) / 2 ** 20;
    goals.push({ part: 'media-range', name: `range read first byte p99 < ${g.firstByteP99Ms} ms`, measured: ms(p99), verdict: verdict(p99 < g.firstByteP99Ms) });
    goals.push({ part: 'media-range', name: `server RSS growth streaming 1 GiB < ${g.streamRssGrowthMiB} MiB`, measured: `${growth.toFixed(1)} MiB`, verdict: verdict(growth < g.streamRssGrowthMiB) });
  }
  return goals;
}

/** A tool's version from its own output; janus-pp-rec prints it after refusing `--version` and exits non-zero. */
function toolVersion(command: string, args: string[], pattern: RegExp): string {
  const run = spawnSync(command, args, { encoding: 'utf8' });
  return pattern.exec(`${run.stdout ?? ''}\n${run.stderr ?? ''}`)?.[1] ?? 'unknown';
}

function provenance(run: RecordingRun, software: string): string {
  const m = run.machine;
  return [
    `- **Measured**: ${run.date.toISOString()}, code ${m.revision}`,
    `- **Machine**: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB memory; ${m.os}; Node ${m.node}; 1-minute load average ${run.loadAtStart.toFixed(2)} at the start`,
    `- **Software**: ${software}`,
    `- **Command**: \`${run.command}\` = \`${run.script}\` (as root, inside the private network namespace)`,
  ].join('\n');
}

function goalLines(goals: Goal[]): string {
  return goals.map((goal) => `Goal: ${goal.name} → **${goal.verdict}** (${goal.measured}).`).join('\n\n');
}

function cryptoSection(run: RecordingRun, f: CryptoFigures): string {
  const ratio = cryptoRatios(f);
  const row = (name: string, values: number[], r: number) => [name, ...values.map(MBps), `**${MBps(median(values))}**`, `${r.toFixed(2)} ×`];
  const rows = [
    ['Figure', ...Array.from({ length: f.passes }, (_, i) => `pass ${i + 1}`), 'median', '÷ openssl'],
    row('`encryptStream`', f.encryptMBps, ratio.encrypt),
    row('`decryptStream`', f.decryptMBps, ratio.decrypt),
    row(`random ${MiB(RANGE_BYTES)} range reads`, f.rangeMBps, ratio.range),
    row(`node:crypto alone, one cipher per ${f.chunkSize / 1024} KiB chunk`, f.nodeGcmMBps, ratio.nodeGcm),
    [`\`${f.openssl.command}\``, ...f.encryptMBps.map(() => '—'), `**${MBps(f.openssl.MBps)}**`, '1.00 ×'],
  ];
  return [
    HEADINGS['recording-crypto'],
    provenance(run, `${f.openssl.version.split(' ').slice(0, 2).join(' ')} (the openssl command); Node's bundled OpenSSL ${process.versions.openssl}`),
    `**Method.** \`tests/bench/recording-crypto.ts\`, in a Node process of its own (started by the runner, so the garbage of the other parts is not collected during it), one thread, in memory (no disk). The floor is \`${f.openssl.command}\` (OpenSSL's own AES-256-GCM on ${f.openssl.command.split(' -bytes ')[1]?.split(' ')[0]}-byte blocks, parsed from its last line). \`encryptStream\`/\`decryptStream\`: \`measureEncryptionThroughput\` of media/encryption/measure.ts on ${MiB(CRYPTO_BYTES)} of plaintext in ${f.chunkSize / 1024} KiB chunks (the format's default), after an untimed 16 MiB pass. Range reads: the same amount encrypted into one buffer, opened with \`openEncryptedFile\`, then ${f.rangeReads} ranges of ${MiB(RANGE_BYTES)} at random offsets read through \`stream(start, end)\` (${Math.floor(RANGE_BYTES / f.chunkSize) + 1} chunks each, as playback reads them), after 16 untimed reads. For context, "node:crypto alone" is \`createCipheriv('aes-256-gcm')\`, \`setAAD\`, \`update\`, \`final\`, \`getAuthTag\` on one hot ${f.chunkSize / 1024} KiB buffer in a loop, as \`sealChunk\` does per chunk without streams: the most any code on Node's crypto API reaches here. ${f.passes} passes; the medians are compared. MB = 10^6 bytes, as openssl reports.`,
    markdownTable(rows),
    goalLines(recordingGoals({ crypto: f })),
  ].join('\n\n');
}

function postCallSection(run: RecordingRun, f: PostCallFigures): string {
  const runs = [
    ['Run', 'compose alone (baseline)', 'Parley: stored', 'Parley: done', 'stored ÷ baseline'],
    ...f.baselineMs.map((baseline, i) => {
      const p = f.parley[i]!;
      return [String(i + 1), wholeMs(baseline), wholeMs(p.stages.stored), wholeMs(p.stages.done), `${(p.stages.stored / baseline).toFixed(2)} ×`];
    }),
    ['**median**', `**${wholeMs(median(f.baselineMs))}**`, `**${wholeMs(storedMs(f))}**`, `**${wholeMs(doneMs(f))}**`, `**${(storedMs(f) / median(f.baselineMs)).toFixed(2)} ×**`],
  ];
  const steps: [string, (typeof STAGES)[number] | null, (typeof STAGES)[number]][] = [
    ['claim the job, read the meeting type, fresh work folder', null, 'converting'],
    ['converting: janus-pp-rec and ffprobe per .mjr', 'converting', 'muxing'],
    ['muxing: ffmpeg composes the WebM (layout, VP8 + Opus encode), ffprobe', 'muxing', 'encrypting'],
    ['encrypting: recording key, encrypt + fsync, decrypt back and compare SHA-256', 'encrypting', 'verified'],
    ['storing: copy into the blob store + fsync, size check, stage update', 'verified', 'stored'],
    ['rest of the stored transaction (ticket note, audit), raw and work folders removed', 'stored', 'done'],
  ];
  const stageRows = [
    ['Step (from one stage stamp to the next)', 'median', 'share of done'],
    ...steps.map(([name, from, to]) => {
      const span = median(f.parley.map((r) => r.stages[to] - (from ? r.stages[from] : 0)));
      return [name, wholeMs(span), `${((100 * span) / doneMs(f)).toFixed(1)} %`];
    }),
  ];
  return [
    HEADINGS['post-call'],
    provenance(
      run,
      `ffmpeg ${toolVersion('ffmpeg', ['-version'], /^ffmpeg version (\S+)/m)}, janus-pp-rec ${toolVersion('janus-pp-rec', ['--version'], /Janus version: (.+)/)}, PGlite in the benchmark process`,
    ),
    [
      `**Method.** \`tests/bench/post-call.ts\`. A ${CALL_SECONDS} s two-person audio+video call (Opus + VP8 320×240 at 15 fps per person, encoded in real time by ffmpeg and written as Janus .mjr files by \`captureRawCall(${CALL_SECONDS})\` of tests/support/recording-fixtures.ts, plus a data channel that is dropped) ${f.rawReused ? 'taken from PARLEY_BENCH_RAW_CALL' : 'captured once at the start of the run'}: ${MiB(f.rawBytes)} of raw media; the composed WebM is ${MiB(f.composedBytes)}.`,
      '',
      `- **Baseline**: \`composeRecording\` (media/recording/compose.ts: janus-pp-rec per track, then ffmpeg: picture and sound encoded side by side, then joined) of that folder to a .webm, no encryption, no database.`,
      `- **Parley**: \`runRecordingJob\` (backend/src/services/recordings/pipeline.ts) with \`pipelineDeps\` (FfmpegComposer, local KMS, local blob store) on ${f.database} in its data dir, for an "Advice call" that \`seedEndedRecordedCall\` left ended with a copy of the raw folder (not timed). t0 is the call to \`runRecordingJob\` (the worker's claim); the stages are stamped by a trigger on \`recordings.stage\` in the benchmark's own database (\`clock_timestamp()\` of each stage update). "stored" is the update to \`stored\` inside the transaction that also queues the ticket note: the recording is encrypted, verified and in the store. "done" is after the raw media is removed. The worker's poll or nudge delay after the call ends is not included.`,
      `- One discarded pair first, then ${POST_CALL_RUNS} pairs alternating baseline and Parley on the same raw files; medians compared. Each Parley run is a new customer, so it also creates a subject key.`,
    ].join('\n'),
    markdownTable(runs),
    markdownTable(stageRows),
    goalLines(recordingGoals({ postCall: f })),
  ].join('\n\n');
}

function servedRow(name: string, s: ServedFigures): string[] {
  const first = [...s.ranges.firstByteMs].sort((a, b) => a - b);
  const growth = s.stream.rssMaxBytes - s.stream.rssBeforeBytes;
  return [
    name,
    ms(percentile(first, 50)),
    ms(percentile(first, 95)),
    ms(percentile(first, 99)),
    ms(first.at(-1)!),
    ms(median(s.ranges.completeMs)),
    MBps(s.stream.bytes / 1e6 / s.stream.seconds),
    MiB(s.stream.rssBeforeBytes),
    MiB(s.stream.rssMaxBytes),
    `**${MiB(growth)}**`,
  ];
}

function mediaRangeSection(run: RecordingRun, f: MediaRangeFigures): string {
  const rows = [
    ['Server', 'first byte p50', 'p95', 'p99', 'max', `${MiB(RANGE_LENGTH)} complete p50`, 'whole-file stream', 'RSS before', 'RSS max', 'RSS growth'],
    servedRow('Parley `GET /media/:ticket` (decrypting)', f.parley),
    servedRow('plain file, Node http + fs (floor)', f.plain),
  ];
  return [
    HEADINGS['media-range'],
    provenance(run, 'Parley on PGlite with the local blob store and local KMS'),
    [
      `**Method.** \`tests/bench/media-range.ts\`. ${RECORDING_BYTES / 2 ** 30} GiB of plaintext (one random 1 MiB block repeated) encrypted with \`encryptStream\` (${f.chunkSize / 1024} KiB chunks, ${MiB(f.storedBytes)} stored) and put into the local store of a fresh data dir with the store's own \`putFile\` (synced to disk, as the pipeline stores a recording), at the object key of a recording row seeded with \`seedTenant\`/\`seedEndedRecordedCall\` and set to \`done\`; its key made by \`recordingKeyFor\` (tenant master key → subject key → recording key, as the pipeline does). Then Parley itself in its own process (\`node --import tsx backend/src/main.ts\` with PARLEY_DEMO=1, 1 managed Janus node, LOG_LEVEL=warn, that data dir), signed in through \`POST /api/demo/session\` as the tenant's agent, a ticket from \`POST /api/recordings/:id/playback\`. The floor is \`tests/bench/plain-file-server.ts\` in its own process: the same stored file served as is (\`fs.createReadStream\` with the range, no ticket, no database, no decryption). The file was just written and synced, so both read from the page cache and no write-back runs during the measurement.`,
      '',
      `- **Range reads**: ${RANGE_WARMUP} warm-up reads each, then ${RANGE_REQUESTS} \`Range: bytes=<start>-<start + 1 MiB − 1>\` at random offsets, the same offsets for both servers, taking turns, one keep-alive connection per server. First byte = request sent → first body byte at the client (Parley checks the ticket, reads the row, unwraps the keys, opens and verifies the header, then decrypts; the final chunk is verified on the first open of the file and again whenever its size has changed). Every Parley answer must be 206 with exactly the plaintext asked for (checked byte for byte).`,
      `- **Whole-file stream**: one \`GET\` without Range on a new connection, read to the end (Parley's plaintext checked byte for byte); VmRSS of the server process from /proc/<pid>/status every ${RSS_SAMPLE_MS} ms; growth = max − the sample 1 s before the request. The client is the benchmark process, on the same cores, so the stream rate is a floor shared by both servers rather than either server's limit.`,
    ].join('\n'),
    markdownTable(rows),
    goalLines(recordingGoals({ mediaRange: f })),
  ].join('\n\n');
}

/** The text between `heading` and the next heading of the same or a higher level, without the heading. */
function sectionBody(document: string, heading: string): string | undefined {
  const start = document.indexOf(`\n${heading}\n`);
  if (start === -1) return undefined;
  const level = heading.split(' ')[0]!;
  const rest = document.slice(start + heading.length + 2);
  const next = rest.search(new RegExp(`^#{2,${level.length}} `, 'm'));
  return (next === -1 ? rest : rest.slice(0, next)).trim();
}

/** BENCHMARKS.md without its recording section: what the main report would have written. */
export function withoutRecordingSection(document: string): string {
  const start = document.indexOf(`\n${SECTION_HEADING}\n`);
  return start === -1 ? document : `${document.slice(0, start).trimEnd()}\n`;
}

/**
 * The recording section: parts measured in this run are rendered; the others are kept from the
 * previous BENCHMARKS.md with their own date and command, so a partial run loses nothing.
 */
export function renderRecordingSection(
  run: RecordingRun | undefined,
  figures: RecordingFigures,
  failed: Partial<Record<RecordingPart, string>>,
  previous: string,
): string {
  const render: Record<RecordingPart, () => string | undefined> = {
    'recording-crypto': () => (figures.crypto && run ? cryptoSection(run, figures.crypto) : undefined),
    'post-call': () => (figures.postCall && run ? postCallSection(run, figures.postCall) : undefined),
    'media-range': () => (figures.mediaRange && run ? mediaRangeSection(run, figures.mediaRange) : undefined),
  };
  const parts = RECORDING_PARTS.map((part) => {
    const fresh = render[part]();
    if (fresh) return fresh;
    const kept = sectionBody(previous, HEADINGS[part])?.replace(/^\*\*Failed in the run of [^\n]*\n\n/, '');
    const failure = failed[part] && run ? `**Failed in the run of ${run.date.toISOString()}**: ${failed[part]!.split('\n')[0]} The figures below, if any, are older.\n\n` : '';
    return `${HEADINGS[part]}\n\n${failure}${kept ?? 'Not measured yet: `PARLEY_BENCH_ONLY=' + part + ' npm run bench`.'}`;
  });
  return [
    SECTION_HEADING,
    'Each part names the run that measured it: `PARLEY_BENCH_ONLY` with any of recording-crypto, post-call, media-range rewrites only those parts.',
    ...parts,
  ].join('\n\n');
}
