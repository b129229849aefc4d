import {
  BASELINE_REQUESTS,
  BASELINE_WARMUP,
  CONNECTIONS,
  ESCALATE_REQUESTS,
  ESCALATE_WARMUP,
  type DatabaseKind,
  type Measured,
  type ThroughputFigures,
} from './escalate-throughput.js';
import { BENCH_POOL_SIZE } from './child-server.js';
import { FIRST_FRAME_RUNS, type FirstFrameFigures } from './first-frame.js';
import { isClean } from './load.js';
import type { Machine } from './machine.js';
import { OTHER } from './process-cpu.js';

export const BENCH_COMMAND = 'npm run bench';
export const BENCH_SCRIPT = 'node tests/e2e/in-network-namespace.mjs npx tsx tests/bench/run.ts';

export const GOALS = {
  escalateP99Ms: 25,
  throughputRatio: 0.5,
  firstFrameMedianMs: 1000,
};

export type Verdict = 'PASS' | 'MISS' | 'NO RESULT';

export interface Goal {
  /** The PARLEY_BENCH_ONLY part that measures it: a goal of a part that did not run is no failure. */
  part: string;
  name: string;
  measured: string;
  verdict: Verdict;
}

export interface BenchReport {
  date: Date;
  machine: Machine;
  chromium?: string;
  totalSeconds: number;
  throughput: ThroughputFigures[];
  firstFrame?: FirstFrameFigures;
  /** Parts that could not run, with the reason: the report says so instead of leaving a gap. */
  failures: string[];
  /** 1-minute load average when the run began. */
  loadAtStart: number;
  /** Set when only some parts were asked for (PARLEY_BENCH_ONLY). */
  only?: string[];
}

const DB_LABEL: Record<DatabaseKind, string> = { pglite: 'PGlite (embedded)', postgres: 'PostgreSQL 15 server' };

const ms = (value: number) => `${value.toFixed(1)} ms`;
const rate = (value: number) => `${Math.round(value).toLocaleString('en-US')} req/s`;

/** Both runs of one database kind, when both ran. */
function pair(figures: ThroughputFigures): { baseline: Measured; escalate: Measured } | null {
  return figures.baseline && figures.escalate ? { baseline: figures.baseline, escalate: figures.escalate } : null;
}

function ratio(runs: { baseline: Measured; escalate: Measured }): number {
  return runs.escalate.result.reqPerSec / runs.baseline.result.reqPerSec;
}

function runsOf(figures: ThroughputFigures): [string, Measured][] {
  const runs: [string, Measured | undefined][] = [
    ['bare INSERT', figures.baseline],
    ['escalate', figures.escalate],
  ];
  return runs.filter((r): r is [string, Measured] => r[1] !== undefined);
}

export function goals(report: BenchReport): Goal[] {
  const list: Goal[] = [];
  const escalate = report.throughput.find((f) => f.kind === 'postgres')?.escalate;
  list.push({
    part: 'postgres',
    name: `escalate p99 < ${GOALS.escalateP99Ms} ms at concurrency ${CONNECTIONS}, PostgreSQL`,
    measured: escalate ? ms(escalate.result.p99) : '—',
    verdict: !escalate || !isClean(escalate.result) ? 'NO RESULT' : escalate.result.p99 < GOALS.escalateP99Ms ? 'PASS' : 'MISS',
  });
  for (const figures of report.throughput) {
    const runs = pair(figures);
    const clean = runs !== null && isClean(runs.escalate.result) && isClean(runs.baseline.result);
    list.push({
      part: figures.kind,
      name: `escalate throughput ≥ ${GOALS.throughputRatio} × bare INSERT, ${DB_LABEL[figures.kind]}`,
      measured: runs ? `${ratio(runs).toFixed(2)} ×` : '—',
      verdict: !runs || !clean ? 'NO RESULT' : ratio(runs) >= GOALS.throughputRatio ? 'PASS' : 'MISS',
    });
  }
  const frame = report.firstFrame;
  list.push({
    part: 'first-frame',
    name: `join → first frame, median < ${GOALS.firstFrameMedianMs} ms`,
    measured: frame ? `${Math.round(frame.medianMs)} ms` : '—',
    verdict: !frame ? 'NO RESULT' : frame.medianMs < GOALS.firstFrameMedianMs ? 'PASS' : 'MISS',
  });
  return list;
}

/** The table printed to stdout and placed at the top of BENCHMARKS.md. */
export function summaryRows(report: BenchReport): string[][] {
  const rows: string[][] = [['Figure', 'Database', 'req/s', 'p50', 'p99', 'non-2xx / errors']];
  for (const figures of report.throughput) {
    for (const [name, m] of runsOf(figures)) {
      const label = name === 'escalate' ? 'POST /api/calls (escalate)' : 'POST /insert (bare INSERT)';
      rows.push([label, DB_LABEL[figures.kind], rate(m.result.reqPerSec), ms(m.result.p50), ms(m.result.p99), `${m.result.non2xx} / ${m.result.errors}`]);
    }
  }
  if (report.firstFrame) {
    const slowest = Math.max(...report.firstFrame.runs.map((r) => r.ms));
    const runs = report.firstFrame.runs.length;
    rows.push([`join → first frame (${runs} runs)`, 'PGlite (embedded)', '—', `${Math.round(report.firstFrame.medianMs)} ms (median)`, `${Math.round(slowest)} ms (slowest)`, '—']);
  }
  return rows;
}

export function markdownTable(rows: string[][]): string {
  const [head, ...body] = rows;
  return [`| ${head!.join(' | ')} |`, `| ${head!.map(() => '---').join(' | ')} |`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function textTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')).join('\n');
}

function cpuTable(report: BenchReport): string {
  const groups = [...new Set(report.throughput.flatMap((f) => runsOf(f).flatMap(([, m]) => Object.keys(m.cpuMsPerRequest))))];
  const rows = [['Run', ...groups.map((g) => `${g} (ms CPU/req)`)]];
  for (const f of report.throughput) {
    for (const [name, m] of runsOf(f)) {
      rows.push([`${name}, ${DB_LABEL[f.kind]}`, ...groups.map((g) => (m.cpuMsPerRequest[g] === undefined ? '—' : m.cpuMsPerRequest[g]!.toFixed(2)))]);
    }
  }
  // Other programs on a shared machine take cores from the measured processes: say so next to the numbers.
  const disturbed = report.throughput.flatMap((f) =>
    runsOf(f)
      .filter(([, m]) => {
        const { [OTHER]: other = 0, ...own } = m.cpuMsPerRequest;
        return other > 0.1 * Object.values(own).reduce((sum, v) => sum + v, 0);
      })
      .map(([name]) => `${name}, ${DB_LABEL[f.kind]}`),
  );
  const note = disturbed.length > 0 ? `\n\n**Disturbed runs** (anything else > 10% of the measured processes' CPU; their figures are low): ${disturbed.join('; ')}.` : '';
  return markdownTable(rows) + note;
}

function detailRows(figures: ThroughputFigures): string {
  const row = (name: string, m: Measured) => {
    const r = m.result;
    const codes = Object.entries(r.statusCodes).map(([code, count]) => `${code}×${count}`).join(' ');
    return [name, String(r.requests), `${r.seconds.toFixed(2)} s`, rate(r.reqPerSec), ms(r.p50), ms(r.p99), ms(r.max), codes, String(r.errors), `${ms(r.firstQuarterP50)} → ${ms(r.lastQuarterP50)}`];
  };
  const rows = [
    ['Run', 'requests', 'duration', 'throughput', 'p50', 'p99', 'max', 'status codes', 'conn. errors', 'p50 first → last quarter'],
    ...runsOf(figures).map(([name, m]) => row(name, m)),
  ];
  const samples = runsOf(figures).flatMap(([, m]) => m.result.errorSamples);
  const errors = samples.length > 0 ? `\n\nNot a result — first error answers:\n\n${samples.map((s) => `    ${s}`).join('\n')}` : '';
  const runs = pair(figures);
  const ratioLine = runs ? `escalate ÷ bare INSERT throughput: **${ratio(runs).toFixed(2)}**` : 'escalate ÷ bare INSERT throughput: — (one of the runs failed)';
  return `${markdownTable(rows)}\n\n${ratioLine}${errors}`;
}

export function renderMarkdown(report: BenchReport): string {
  const m = report.machine;
  const software = Object.entries({ ...m.software, ...(report.chromium ? { Chromium: report.chromium } : {}) })
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  const goalRows = [['Goal', 'Measured', 'Verdict'], ...goals(report).map((g) => [g.name, g.measured, `**${g.verdict}**`])];
  const sections: string[] = [
    '# Benchmarks',
    `Written by \`${BENCH_COMMAND}\`; do not edit by hand. Run it again after a change that could move these numbers.`,
    [
      `- **Date**: ${report.date.toISOString()}`,
      `- **Code**: ${m.revision}`,
      `- **Machine**: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB memory; ${m.os}; Node ${m.node}; 1-minute load average ${report.loadAtStart.toFixed(2)} at the start`,
      `- **Software**: ${software}`,
      `- **Command**: \`${BENCH_COMMAND}\` = \`${BENCH_SCRIPT}\` (as root: it runs inside a private network namespace with no route out); took ${Math.round(report.totalSeconds)} s`,
    ].join('\n'),
    '## Summary',
    markdownTable(summaryRows(report)),
    markdownTable(goalRows),
  ];
  if (report.only) sections.push(`**Partial run**: only ${report.only.join(', ')} (PARLEY_BENCH_ONLY). The other figures are missing on purpose.`);
  if (report.failures.length > 0) {
    sections.push('## Parts that did not run', report.failures.map((f) => `- ${f.split('\n')[0]}`).join('\n'));
  }

  sections.push(
    '## 1. Escalate throughput and latency',
    [
      `**Method.** autocannon (in the benchmark process) against a server in its own Node process, so the load generator never shares the server's event loop; all on this machine's ${m.cores} cores, over the namespace's loopback. ${CONNECTIONS} connections, no pipelining, a fixed number of requests after a discarded warm-up run. Throughput is 2xx answers ÷ wall time of the measured run; p50/p99/max come from each 2xx answer's own timing (sub-millisecond, not autocannon's whole-ms histogram). A run with any non-2xx answer or connection error is not a result. With ${CONNECTIONS} connections always busy, mean latency ≈ ${CONNECTIONS} ÷ throughput (Little's law): a p99 under ${GOALS.escalateP99Ms} ms needs well over ${Math.round((CONNECTIONS * 1000) / GOALS.escalateP99Ms)} escalations/s.`,
      '',
      `- **Bare INSERT (baseline)**: \`tests/bench/bare-insert-server.ts\`, a Hono app on \`@hono/node-server\` with one route, \`POST /insert\`, doing one drizzle INSERT of a small row (uuid, text, timestamptz) into a table of its own. PGlite in its own data dir; PostgreSQL in its own database on the same server as Parley's, with the pool size Parley gets in the benchmark (DATABASE_POOL_SIZE=${BENCH_POOL_SIZE}, twice this machine's cores). ${BASELINE_WARMUP} warm-up requests, then ${BASELINE_REQUESTS}.`,
      `- **Escalate**: Parley itself (\`node --import tsx backend/src/main.ts\`, what \`npx tsx\` runs) with PARLEY_DEMO=1, JANUS_MODE=managed, JANUS_MANAGED_NODES=1, LOG_LEVEL=warn, a fresh data dir and, for PostgreSQL, DATABASE_URL. Signed in through \`POST /api/demo/session\`, then \`POST /api/calls\` for a "Support call" with a new ticket and a new customer per request (ids vary through autocannon's \`setupRequest\`). Every request creates a real Janus room and writes everything escalation writes in its transaction; nothing ends the calls, so the node holds up to ${ESCALATE_WARMUP + ESCALATE_REQUESTS} rooms by the end. ${ESCALATE_WARMUP} warm-up requests, then ${ESCALATE_REQUESTS}; every answer must be 201.`,
      '- **PostgreSQL**: a private PostgreSQL server started for the run (`startPostgres()`: temp data dir, fsync on, loopback only), stopped at the end.',
    ].join('\n'),
  );
  for (const figures of report.throughput) sections.push(`### ${DB_LABEL[figures.kind]}`, detailRows(figures));
  if (report.throughput.length > 0) {
    sections.push(
      '### Where the CPU went',
      'CPU time (user + system, from /proc) used during the measured run, divided by the requests answered. "server (node)" is the server process (with PGlite inside it when embedded); janus is the managed Janus node Parley started; postgresql is the postmaster and its backends; "anything else" is the rest of the machine (kernel work not charged to a process, other programs): well above zero means the run was disturbed. The sum × throughput near cores × 1,000 ms/s means the run was CPU-bound.',
      cpuTable(report),
    );
  }

  sections.push('## 2. Join → first frame');
  if (report.firstFrame) {
    const runs = [['Run', 'first frame − t0', 'measured by', 'videoWidth > 0 seen earlier by'], ...report.firstFrame.runs.map((r, i) => [String(i + 1), `${Math.round(r.ms)} ms`, r.via, r.pollLeadMs === null ? '—' : `${Math.round(r.pollLeadMs)} ms`])];
    sections.push(
      [
        `**Method.** The e2e harness in process (\`startHarness\`, 1 managed Janus node, Debian Chromium headless with a fake camera), inside the network namespace. ${FIRST_FRAME_RUNS} runs, each with fresh browser contexts: escalate a "Support call" from the demo page, the customer opens the link they were sent and accepts the notice (the harness's \`openAsCustomer\`), the agent clicks **Join call** and waits for \`data-call-state="joined"\`; a \`requestVideoFrameCallback\` on the agent's \`#remote-video\` stores \`Date.now()\` when the first remote frame with \`videoWidth > 0\` is presented (a 5 ms poll of \`videoWidth\` runs beside it, only as a fallback); \`t0 = Date.now()\` just before the customer's click on **Join call**. The figure is first frame − t0: join-link redemption, camera, Janus publish, the agent's subscription, ICE/DTLS and the first decoded frame. The agent hangs up after each run.`,
        '',
        markdownTable(runs),
        '',
        `Median: **${Math.round(report.firstFrame.medianMs)} ms**`,
      ].join('\n'),
    );
  } else {
    sections.push('Not measured in this run (see above).');
  }
  return `${sections.join('\n\n')}\n`;
}
