// `npm run bench`: escalate throughput and latency on PGlite and PostgreSQL against a
// bare-INSERT floor, consent and outbox, the recording benches, then join → first frame with
// real Janus and Chromium, each beside its floor measured in the same run. Writes
// BENCHMARKS.md. Runs inside the e2e network namespace (WebRTC needs a non-loopback
// interface, and no traffic may leave the machine).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createDatabase, startPostgres, type PostgresServer } from '../support/postgres-server.js';
import { benchBaseline, benchEscalate, type DatabaseTarget, type ThroughputFigures } from './escalate-throughput.js';
import { benchConsentDecision, DECISIONS, WARM_UP_DECISIONS, type ConsentDecisionFigures } from './consent-decision.js';
import { benchFirstFrame, type FirstFrameFigures } from './first-frame.js';
import { benchE2ee, E2EE_PART, e2eeSummary } from './e2ee.js';
import { describeMachine, revision } from './machine.js';
import { benchMediaRange } from './media-range.js';
import { benchPostCall } from './post-call.js';
import { benchRecordingCrypto } from './recording-crypto.js';
import {
  RECORDING_PARTS,
  recordingGoals,
  renderRecordingSection,
  withoutRecordingSection,
  type RecordingFigures,
  type RecordingPart,
} from './recording-report.js';
import { BENCH_COMMAND, BENCH_SCRIPT, goals, renderMarkdown, summaryRows, textTable, type BenchReport } from './report.js';
import { AUDIT_PART, auditGoals, benchAudit, renderAuditSection, type AuditFigures } from './audit.js';

/**
 * The data-subject request figures come from standalone scripts (`tests/bench/dsar-erasure.ts`,
 * `tests/bench/dsar-export.ts`), each run with its own command written in the section: a run of
 * this runner keeps that section as it was.
 */
const DSAR_HEADING = '## 6. Data-subject requests';
function dsarSection(previous: string): string {
  const start = previous.indexOf(`\n${DSAR_HEADING}\n`);
  return start === -1 ? '' : `\n${previous.slice(start + 1).trimEnd()}\n`;
}

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const outputFile = `${repoRoot}BENCHMARKS.md`;

if (!process.env.PARLEY_E2E_ICE_INTERFACE) {
  console.error('Run the benchmarks through `npm run bench`: they need the private network namespace it creates.');
  process.exit(1);
}
// Opt-in, for working on one part: e.g. PARLEY_BENCH_ONLY=postgres,first-frame. The report says what ran.
const only = process.env.PARLEY_BENCH_ONLY?.split(',').map((part) => part.trim());
const wanted = (part: string) => !only || only.includes(part);

if (wanted('first-frame') && !existsSync(`${repoRoot}plugin/dist/call.html`)) {
  console.error('The browser bundle is missing: run `npm run build` (or `npm test` once) first.');
  process.exit(1);
}
// Opt-in: a .cpuprofile of each escalate and media-range server process, for finding where a request's time goes.
const cpuProfileDir = process.env.PARLEY_BENCH_CPU_PROFILE;
if (cpuProfileDir) mkdirSync(cpuProfileDir, { recursive: true });

const started = Date.now();
// Other work on the machine skews every figure here: the report states how busy it was.
const loadAtStart = loadavg()[0]!;
// Taken before the run, so the revision is the code that was measured.
const machine = describeMachine();
const log = (message: string) => console.log(`[bench +${Math.round((Date.now() - started) / 1000)}s] ${message}`);
if (loadAtStart > cpus().length / 2) log(`warning: the machine is busy (load average ${loadAtStart.toFixed(2)}); figures will be lower than on an idle machine`);
const failures: string[] = [];
const throughput: ThroughputFigures[] = [];
let firstFrame: FirstFrameFigures | undefined;

async function benchDatabase(target: DatabaseTarget): Promise<void> {
  const figures: ThroughputFigures = { kind: target.kind };
  throughput.push(figures);
  try {
    log(`${target.kind}: bare INSERT baseline`);
    figures.baseline = await benchBaseline(target);
    log(`${target.kind}: escalate`);
    figures.escalate = await benchEscalate(target, { cpuProfileDir });
  } catch (error) {
    failures.push(`escalate throughput on ${target.kind}: ${(error as Error).message}`);
    console.error(error);
  }
}

if (wanted('pglite')) await benchDatabase({ kind: 'pglite' });

if (wanted('postgres')) {
  let postgres: PostgresServer | undefined;
  try {
    log('starting a private PostgreSQL server');
    postgres = startPostgres();
    await benchDatabase({
      kind: 'postgres',
      baselineUrl: createDatabase(postgres, 'bench_insert'),
      parleyUrl: createDatabase(postgres, 'bench_parley'),
      postgresPort: Number(new URL(postgres.url).port),
    });
  } catch (error) {
    failures.push(`PostgreSQL server: ${(error as Error).message}`);
    console.error(error);
  } finally {
    postgres?.stop();
  }
}

let consentDecision: ConsentDecisionFigures | undefined;
if (wanted('consent')) {
  try {
    log('consent decision (PostgreSQL)');
    consentDecision = await benchConsentDecision(repoRoot, { cpuProfileDir });
  } catch (error) {
    failures.push(`consent decision: ${(error as Error).message}`);
    console.error(error);
  }
}

interface OutboxFigures {
  notes: number;
  notesPerSecond: number;
  firstNinetyPercentPerSecond: number | null;
  duplicates: number;
  missing: number;
  requests: { put: number; getComments: number; answered429: number };
}
let outbox: OutboxFigures | undefined;
const OUTBOX_ARGS = ['--notes', '1000', '--workers', '2', '--rate-limit', '0.1', '--retry-after', '1'];
if (wanted('outbox')) {
  try {
    log('outbox delivery against the fake Zendesk with 10% 429');
    const output = execFileSync(process.execPath, ['--import', 'tsx', 'tests/bench/outbox-throughput.ts', ...OUTBOX_ARGS], { cwd: repoRoot, encoding: 'utf8' });
    outbox = JSON.parse(output.slice(output.indexOf('{'))) as OutboxFigures;
  } catch (error) {
    failures.push(`outbox delivery: ${(error as Error).message.split('\n')[0]}`);
    console.error(error);
  }
}

const recording: RecordingFigures = {};
const recordingFailed: Partial<Record<RecordingPart, string>> = {};
async function benchRecordingPart(part: RecordingPart, title: string, run: () => Promise<void>): Promise<void> {
  if (!wanted(part)) return;
  try {
    log(title);
    await run();
  } catch (error) {
    recordingFailed[part] = (error as Error).message;
    failures.push(`${title}: ${(error as Error).message}`);
    console.error(error);
  }
}
await benchRecordingPart('recording-crypto', 'recording encryption throughput against openssl speed', async () => {
  recording.crypto = benchRecordingCrypto();
});
await benchRecordingPart('post-call', 'post-call latency of a 60 s call against composing alone', async () => {
  recording.postCall = await benchPostCall(log);
});
await benchRecordingPart('media-range', 'playback ranges and streaming of a 1 GiB recording', async () => {
  recording.mediaRange = await benchMediaRange(repoRoot, log, { cpuProfileDir });
});

// The browser parts come after the rest: on this VM, for minutes after Chromium has run, even a
// plain file server's slowest reads take several times longer (p95 1.5 ms alone, 8-15 ms after
// the browser parts), and the latency tails measured above would show the machine, not Parley.
if (wanted('first-frame')) {
  try {
    log('join → first frame');
    firstFrame = await benchFirstFrame();
  } catch (error) {
    failures.push(`join → first frame: ${(error as Error).message}`);
    console.error(error);
  }
}

// Printed only (no section in the report yet): encrypted against unencrypted calls in this run.
const e2eeLines: string[] = [];
if (wanted(E2EE_PART)) {
  try {
    log('end-to-end encryption: first frame and frame rate against the same call unencrypted');
    e2eeLines.push(...e2eeSummary(await benchE2ee(log)));
  } catch (error) {
    failures.push(`end-to-end encryption: ${(error as Error).message}`);
    console.error(error);
  }
}

/** Sections for the consent figures, appended to the report. */
function consentSections(): string {
  const lines = ['', '## 3. Consent decision and note delivery', ''];
  if (consentDecision) {
    const { result, cpuMsPerRequest } = consentDecision;
    const verdict = result.p99 < 30 ? 'PASS' : 'MISS';
    const cpuGroups = Object.keys(cpuMsPerRequest);
    lines.push(
      `**Consent decision.** \`tests/bench/consent-decision.ts\`: Parley on the private PostgreSQL server (own process), ${WARM_UP_DECISIONS + DECISIONS} consent links prepared by escalating one "Consultation" call each (not measured), ${WARM_UP_DECISIONS} decisions as a discarded warm-up, then ${DECISIONS} \`POST /api/consent/:token\` decisions (join yes, recording no) at concurrency 16 with autocannon, each on its own link, all of one tenant. One decision reads the link with the notice version it names (one prepared statement), then writes the consent records, the customer's join link, the ticket note's outbox row and the audit event in one statement (\`writeTogether\`), which commits on its own.`,
      '',
      '| requests | throughput | p50 | p99 | max | non-2xx |',
      '| --- | --- | --- | --- | --- | --- |',
      `| ${result.requests} | ${result.reqPerSec.toFixed(0)} req/s | ${result.p50.toFixed(1)} ms | ${result.p99.toFixed(1)} ms | ${result.max.toFixed(1)} ms | ${result.non2xx} |`,
      '',
      'CPU per decision during the measured run (ms, user + system, from /proc; groups as in section 1):',
      '',
      `| ${cpuGroups.join(' | ')} |`,
      `| ${cpuGroups.map(() => '---').join(' | ')} |`,
      `| ${cpuGroups.map((name) => cpuMsPerRequest[name]!.toFixed(2)).join(' | ')} |`,
      '',
      `Goal: decision p99 < 30 ms on PostgreSQL → **${verdict}** (${result.p99.toFixed(1)} ms).`,
      '',
    );
  }
  if (outbox) {
    lines.push(
      `**Outbox delivery.** \`node --import tsx tests/bench/outbox-throughput.ts ${OUTBOX_ARGS.join(' ')}\`: ${outbox.notes} internal notes queued on the private PostgreSQL server, delivered by 2 workers to the in-process fake Zendesk, which answers 10% of requests with 429 and \`Retry-After: 1\`.`,
      '',
      '| notes | notes/s until all delivered | notes/s for the first 90% | PUT requests | 429 answers | duplicates | missing |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      `| ${outbox.notes} | ${outbox.notesPerSecond} | ${outbox.firstNinetyPercentPerSecond ?? '—'} | ${outbox.requests.put} | ${outbox.requests.answered429} | ${outbox.duplicates} | ${outbox.missing} |`,
      '',
      'Zendesk itself allows 100 ticket updates per minute per account, so in production the vendor, not the worker, sets the pace.',
      '',
    );
  }
  return lines.join('\n');
}

let audit: AuditFigures | undefined;
let auditFailure: string | undefined;
if (wanted(AUDIT_PART)) {
  try {
    log('audit trail: appends and verification on PostgreSQL');
    audit = await benchAudit(log);
  } catch (error) {
    auditFailure = (error as Error).message;
    failures.push(`audit trail: ${auditFailure}`);
    console.error(error);
  }
}

// The work tree may change while a run takes minutes; figures from mixed code must say so.
const revisionAtEnd = revision();
if (revisionAtEnd !== machine.revision) {
  machine.revision = `${machine.revision} at the start, ${revisionAtEnd} at the end (the code changed during the run: figures may mix both)`;
}

const report: BenchReport = {
  date: new Date(),
  machine,
  chromium: firstFrame?.chromium,
  totalSeconds: (Date.now() - started) / 1000,
  throughput,
  firstFrame,
  failures,
  only,
  loadAtStart,
};
// A run of recording parts alone leaves sections 1-3 as they were; the recording section keeps
// the parts this run did not measure.
const previous = existsSync(outputFile) ? readFileSync(outputFile, 'utf8') : '';
const mainRan = !only || only.some((part) => !(RECORDING_PARTS as readonly string[]).includes(part) && part !== AUDIT_PART && part !== E2EE_PART);
const main = mainRan ? renderMarkdown(report) + consentSections() : withoutRecordingSection(previous);
const recordingRan = RECORDING_PARTS.some((part) => wanted(part));
const recordingRun = recordingRan
  ? {
      date: report.date,
      machine,
      loadAtStart,
      command: only ? `PARLEY_BENCH_ONLY=${only.join(',')} ${BENCH_COMMAND}` : BENCH_COMMAND,
      script: only ? `PARLEY_BENCH_ONLY=${only.join(',')} ${BENCH_SCRIPT}` : BENCH_SCRIPT,
    }
  : undefined;
const auditRun = wanted(AUDIT_PART)
  ? { date: report.date, machine, loadAtStart, command: only ? `PARLEY_BENCH_ONLY=${only.join(',')} ${BENCH_COMMAND}` : BENCH_COMMAND }
  : undefined;
writeFileSync(
  outputFile,
  `${main.trimEnd()}\n\n${renderRecordingSection(recordingRun, recording, recordingFailed, previous)}\n\n${renderAuditSection(auditRun, audit, auditFailure, previous)}\n${dsarSection(previous)}`,
);
const allGoals = [...goals(report), ...recordingGoals(recording), ...(wanted(AUDIT_PART) ? auditGoals(audit) : [])];

if (mainRan) console.log(`\n${textTable(summaryRows(report))}\n`);
for (const goal of allGoals.filter((g) => wanted(g.part))) console.log(`${goal.verdict.padEnd(9)} ${goal.name}: ${goal.measured}`);
if (consentDecision) console.log(`${consentDecision.result.p99 < 30 ? 'PASS' : 'MISS'}      consent decision p99 < 30 ms on PostgreSQL: ${consentDecision.result.p99.toFixed(1)} ms`);
if (outbox) console.log(`outbox: ${outbox.notesPerSecond} notes/s with 10% 429, duplicates ${outbox.duplicates}, missing ${outbox.missing}`);
for (const line of e2eeLines) console.log(line);
for (const failure of failures) console.log(`FAILED    ${failure.split('\n')[0]}`);
console.log(`\nWrote ${outputFile} in ${Math.round(report.totalSeconds)} s.`);

// A missed goal is a finding; a part that failed or answered with errors is not a benchmark.
const broken = failures.length > 0 || allGoals.some((g) => g.verdict === 'NO RESULT' && wanted(g.part));
process.exit(broken ? 1 : 0);
