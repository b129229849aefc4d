// `npm run bench`: escalate throughput and latency on PGlite and PostgreSQL against a
// bare-INSERT floor, then join → first frame with real Janus and Chromium. Writes
// BENCHMARKS.md. Runs inside the e2e network namespace (WebRTC needs a non-loopback
// interface, and no traffic may leave the machine).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createDatabase, startPostgres, type PostgresServer } from '../support/postgres-server.js';
import { benchBaseline, benchEscalate, type DatabaseTarget, type ThroughputFigures } from './escalate-throughput.js';
import { benchFirstFrame, type FirstFrameFigures } from './first-frame.js';
import { describeMachine } from './machine.js';
import { goals, renderMarkdown, summaryRows, textTable, type BenchReport } from './report.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const outputFile = `${repoRoot}BENCHMARKS.md`;

if (!process.env.PARLEY_E2E_ICE_INTERFACE) {
  console.error('Run the benchmarks through `npm run bench`: they need the private network namespace it creates.');
  process.exit(1);
}
if (!existsSync(`${repoRoot}plugin/dist/call.html`)) {
  console.error('The browser bundle is missing: run `npm run build` (or `npm test` once) first.');
  process.exit(1);
}
// Opt-in: a .cpuprofile of each escalate server process, for finding where a request's time goes.
const cpuProfileDir = process.env.PARLEY_BENCH_CPU_PROFILE;
if (cpuProfileDir) mkdirSync(cpuProfileDir, { recursive: true });

const started = Date.now();
const log = (message: string) => console.log(`[bench +${Math.round((Date.now() - started) / 1000)}s] ${message}`);
const failures: string[] = [];
const throughput: ThroughputFigures[] = [];
let firstFrame: FirstFrameFigures | undefined;

async function benchDatabase(target: DatabaseTarget): Promise<void> {
  try {
    log(`${target.kind}: bare INSERT baseline`);
    const baseline = await benchBaseline(target);
    log(`${target.kind}: escalate`);
    const escalate = await benchEscalate(target, { cpuProfileDir });
    throughput.push({ kind: target.kind, baseline, escalate });
  } catch (error) {
    failures.push(`escalate throughput on ${target.kind}: ${(error as Error).message}`);
    console.error(error);
  }
}

await benchDatabase({ kind: 'pglite' });

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

try {
  log('join → first frame');
  firstFrame = await benchFirstFrame();
} catch (error) {
  failures.push(`join → first frame: ${(error as Error).message}`);
  console.error(error);
}

const report: BenchReport = {
  date: new Date(),
  machine: describeMachine(),
  chromium: firstFrame?.chromium,
  totalSeconds: (Date.now() - started) / 1000,
  throughput,
  firstFrame,
  failures,
};
writeFileSync(outputFile, renderMarkdown(report));

console.log(`\n${textTable(summaryRows(report))}\n`);
for (const goal of goals(report)) console.log(`${goal.verdict.padEnd(9)} ${goal.name}: ${goal.measured}`);
for (const failure of failures) console.log(`FAILED    ${failure.split('\n')[0]}`);
console.log(`\nWrote ${outputFile} in ${Math.round(report.totalSeconds)} s.`);

// A missed goal is a finding; a part that failed or answered with errors is not a benchmark.
const broken = failures.length > 0 || goals(report).some((g) => g.verdict === 'NO RESULT');
process.exit(broken ? 1 : 0);
