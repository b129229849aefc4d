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
import { FIRST_FRAME_RUNS, type FirstFrameFigures } from './first-frame.js';
import { isClean } from './load.js';
import type { Machine } from './machine.js';

export const BENCH_COMMAND = 'npm run bench';
export const BENCH_SCRIPT = 'node tests/e2e/in-network-namespace.mjs npx tsx tests/bench/run.ts';

export const GOALS = {
  escalateP99Ms: 25,
  throughputRatio: 0.5,
  firstFrameMedianMs: 1000,
};

export type Verdict = 'PASS' | 'MISS' | 'NO RESULT';

export interface Goal {
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
}

const DB_LABEL: Record<DatabaseKind, string> = { pglite: 'PGlite (embedded)', postgres: 'PostgreSQL 15 server' };

const ms = (value: number) => `${value.toFixed(1)} ms`;
const rate = (value: number) => `${Math.round(value).toLocaleString('en-US')} req/s`;

function ratio(figures: ThroughputFigures): number {
  return figures.escalate.result.reqPerSec / figures.baseline.result.reqPerSec;
}

export function goals(report: BenchReport): Goal[] {
  const list: Goal[] = [];
  const postgres = report.throughput.find((f) => f.kind === 'postgres');
  if (postgres) {
    const p99 = postgres.escalate.result.p99;
    list.push({
      name: `escalate p99 < ${GOALS.escalateP99Ms} ms at concurrency ${CONNECTIONS}, PostgreSQL`,
      measured: ms(p99),
      verdict: !isClean(postgres.escalate.result) ? 'NO RESULT' : p99 < GOALS.escalateP99Ms ? 'PASS' : 'MISS',
    });
  }
  for (const figures of report.throughput) {
    const clean = isClean(figures.escalate.result) && isClean(figures.baseline.result);
    list.push({
      name: `escalate throughput ≥ ${GOALS.throughputRatio} × bare INSERT, ${DB_LABEL[figures.kind]}`,
      measured: `${ratio(figures).toFixed(2)} ×`,
      verdict: !clean ? 'NO RESULT' : ratio(figures) >= GOALS.throughputRatio ? 'PASS' : 'MISS',
    });
  }
  if (report.firstFrame) {
    list.push({
      name: `join → first frame, median < ${GOALS.firstFrameMedianMs} ms`,
      measured: `${Math.round(report.firstFrame.medianMs)} ms`,
      verdict: report.firstFrame.medianMs < GOALS.firstFrameMedianMs ? 'PASS' : 'MISS',
    });
  }
  return list;
}

/** The table printed to stdout and placed at the top of BENCHMARKS.md. */
export function summaryRows(report: BenchReport): string[][] {
  const rows: string[][] = [['Figure', 'Database', 'req/s', 'p50', 'p99', 'non-2xx / errors']];
  for (const figures of report.throughput) {
    for (const [name, m] of [['bare INSERT (baseline)', figures.baseline], ['POST /api/calls (escalate)', figures.escalate]] as const) {
      rows.push([name, DB_LABEL[figures.kind], rate(m.result.reqPerSec), ms(m.result.p50), ms(m.result.p99), `${m.result.non2xx} / ${m.result.errors}`]);
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
  const groups = [...new Set(report.throughput.flatMap((f) => [f.baseline, f.escalate].flatMap((m) => Object.keys(m.cpuMsPerRequest))))];
  const rows = [['Run', ...groups.map((g) => `${g} (ms CPU/req)`)]];
  for (const f of report.throughput) {
    for (const [name, m] of [['bare INSERT', f.baseline], ['escalate', f.escalate]] as const) {
      rows.push([`${name}, ${DB_LABEL[f.kind]}`, ...groups.map((g) => (m.cpuMsPerRequest[g] === undefined ? '—' : m.cpuMsPerRequest[g]!.toFixed(2)))]);
    }
  }
  return markdownTable(rows);
}

function detailRows(figures: ThroughputFigures): string {
  const row = (name: string, m: Measured) => {
    const r = m.result;
    const codes = Object.entries(r.statusCodes).map(([code, count]) => `${code}×${count}`).join(' ');
    return [name, String(r.requests), `${r.seconds.toFixed(2)} s`, rate(r.reqPerSec), ms(r.p50), ms(r.p99), ms(r.max), codes, String(r.errors), `${ms(r.firstQuarterP50)} → ${ms(r.lastQuarterP50)}`];
  };
  const rows = [
    ['Run', 'requests', 'duration', 'throughput', 'p50', 'p99', 'max', 'status codes', 'conn. errors', 'p50 first → last quarter'],
    row('bare INSERT', figures.baseline),
    row('escalate', figures.escalate),
  ];
  const samples = [figures.baseline, figures.escalate].flatMap((m) => m.result.errorSamples);
  const errors = samples.length > 0 ? `\n\nNot a result — first error answers:\n\n${samples.map((s) => `    ${s}`).join('\n')}` : '';
  return `${markdownTable(rows)}\n\nescalate ÷ bare INSERT throughput: **${ratio(figures).toFixed(2)}**${errors}`;
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
    `- **Date**: ${report.date.toISOString()}`,
    `- **Machine**: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB memory; ${m.os}; Node ${m.node}`,
    `- **Software**: ${software}`,
    `- **Command**: \`${BENCH_COMMAND}\` = \`${BENCH_SCRIPT}\` (as root: it runs inside a private network namespace with no route out); took ${Math.round(report.totalSeconds)} s`,
    '## Summary',
    markdownTable(summaryRows(report)),
    markdownTable(goalRows),
  ];
  if (report.failures.length > 0) {
    sections.push('## Parts that did not run', report.failures.map((f) => `- ${f.split('\n')[0]}`).join('\n'));
  }

  sections.push(
    '## 1. Escalate throughput and latency',
    [
      `**Method.** autocannon (in the benchmark process) against a server in its own Node process, so the load generator never shares the server's event loop; all on this machine's ${m.cores} cores, over the namespace's loopback. ${CONNECTIONS} connections, no pipelining, a fixed number of requests after a discarded warm-up run. Throughput is answered requests ÷ wall time of the measured run; p50/p99/max come from every response's own timing (sub-millisecond, not autocannon's whole-ms histogram). A run with any non-2xx answer or connection error is not a result.`,
      '',
      `- **Bare INSERT (baseline)**: \`tests/bench/bare-insert-server.ts\`, a Hono app on \`@hono/node-server\` with one route, \`POST /insert\`, doing one drizzle INSERT of a small row (uuid, text, timestamptz) into a table of its own. PGlite in its own data dir; PostgreSQL in its own database on the same server as Parley's, with Parley's pool size (20). ${BASELINE_WARMUP} warm-up requests, then ${BASELINE_REQUESTS}.`,
      `- **Escalate**: Parley itself (\`node --import tsx backend/src/main.ts\`, what \`npx tsx\` runs) with PARLEY_DEMO=1, JANUS_MODE=managed, JANUS_MANAGED_NODES=1, LOG_LEVEL=warn, a fresh data dir and, for PostgreSQL, DATABASE_URL. Signed in through \`POST /api/demo/session\`, then \`POST /api/calls\` for a "Support call" with a new ticket and a new customer per request (ids vary through autocannon's \`setupRequest\`). Every request creates a real Janus room plus the rows and audit entry. ${ESCALATE_WARMUP} warm-up requests, then ${ESCALATE_REQUESTS}; every answer must be 201.`,
      '- **PostgreSQL**: a private PostgreSQL server started for the run (`startPostgres()`: temp data dir, fsync on, loopback only), stopped at the end.',
    ].join('\n'),
  );
  for (const figures of report.throughput) sections.push(`### ${DB_LABEL[figures.kind]}`, detailRows(figures));
  if (report.throughput.length > 0) {
    sections.push(
      '### Where the CPU went',
      'CPU time (user + system, from /proc) used during the measured run, divided by the requests answered. "server (node)" is the server process (with PGlite inside it when embedded); janus is the managed Janus node Parley started; postgresql is the postmaster and its backends. On a 2-core machine, the sum × throughput near 2,000 ms/s means the run is CPU-bound.',
      cpuTable(report),
    );
  }

  sections.push('## 2. Join → first frame');
  if (report.firstFrame) {
    const runs = [['Run', 'first frame − t0', 'measured by', 'videoWidth > 0 seen earlier by'], ...report.firstFrame.runs.map((r, i) => [String(i + 1), `${Math.round(r.ms)} ms`, r.via, r.pollLeadMs === null ? '—' : `${Math.round(r.pollLeadMs)} ms`])];
    sections.push(
      [
        `**Method.** The e2e harness in process (\`startHarness\`, 1 managed Janus node, Debian Chromium headless with a fake camera), inside the network namespace. ${FIRST_FRAME_RUNS} runs, each with fresh browser contexts: escalate a "Support call" from the demo page, open the link as the customer, the agent clicks **Join call** and waits for \`data-call-state="joined"\`; a \`requestVideoFrameCallback\` on the agent's \`#remote-video\` stores \`Date.now()\` when the first remote frame with \`videoWidth > 0\` is presented (a 5 ms poll of \`videoWidth\` runs beside it, only as a fallback); \`t0 = Date.now()\` just before the customer's click on **Join call**. The figure is first frame − t0: join-link redemption, camera, Janus publish, the agent's subscription, ICE/DTLS and the first decoded frame. The agent hangs up after each run.`,
        '',
        markdownTable(runs),
        '',
        `Median: **${Math.round(report.firstFrame.medianMs)} ms**`,
      ].join('\n'),
    );
  } else {
    sections.push('Not measured in this run (see above).');
  }
  sections.push('## Goals', markdownTable(goalRows));
  return `${sections.join('\n\n')}\n`;
}
