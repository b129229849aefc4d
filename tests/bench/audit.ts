// The audit trail on PostgreSQL: appends per second with the chain (one writer, 16 writers on one
// tenant, 16 writers on 16 tenants, batched), and verification of 1,000,000 events. Run by
// `PARLEY_BENCH_ONLY=audit npm run bench`; renders section 5 of BENCHMARKS.md.
import { once } from 'node:events';
import { openDatabase, type Database } from '../../backend/src/db/client.js';
import { canonicalEvent, chainTimestamp, GENESIS_HASH, linkHash, type ChainedEvent } from '../../backend/src/services/audit/chain.js';
import { recordAudit, recordAuditBatch, type AuditEntry } from '../../backend/src/services/audit/record.js';
import { verifyAuditChain } from '../../backend/src/services/audit/verify.js';
import { tenants } from '../../backend/src/db/schema/index.js';
import postgres from 'postgres';
import { benchPolicy, type PolicyFigures } from './policy.js';
import { createDatabase, startPostgres } from '../support/postgres-server.js';
import type { Machine } from './machine.js';
import { markdownTable, type Goal } from './report.js';

export const AUDIT_PART = 'audit';
export const AUDIT_HEADING = '## 5. Access policy and audit trail';
/** The policy check every route makes: p99 per decision. */
const POLICY_GOAL_MICROS = 50;
export const AUDIT_GOALS = { appendsPerSecond: 5_000, verifyEvents: 1_000_000, verifySeconds: 5 };

const SINGLE_EVENTS = 3_000;
const CONCURRENT_EVENTS = 8_000;
const WRITERS = 16;
const BATCH_SIZE = 500;
const BATCHED_EVENTS = 100_000;

export interface AppendFigure {
  name: string;
  events: number;
  seconds: number;
  perSecond: number;
}

export interface AuditFigures {
  policy: PolicyFigures;
  appends: AppendFigure[];
  /** `cpuSeconds`: this process's CPU time during verification (PostgreSQL's is not in it). */
  verify: { events: number; seconds: number; perSecond: number; cpuSeconds: number; seedSeconds: number; ok: boolean };
}

export interface AuditRun {
  date: Date;
  machine: Machine;
  loadAtStart: number;
  command: string;
}

const entry = (tenantId: string, n: number): AuditEntry => ({
  tenantId,
  actor: { kind: 'system' },
  action: 'recording.played',
  subjectType: 'recording',
  subjectId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  details: { meetingType: 'support', allowed: true, n },
});

async function timed(name: string, events: number, run: () => Promise<void>): Promise<AppendFigure> {
  const started = performance.now();
  await run();
  const seconds = (performance.now() - started) / 1000;
  return { name, events, seconds, perSecond: events / seconds };
}

/** `count` events split across `writers` loops, each appending one event per transaction. */
async function writers(db: Database['db'], tenantFor: (writer: number) => string, writersCount: number, count: number): Promise<void> {
  const each = Math.ceil(count / writersCount);
  await Promise.all(
    Array.from({ length: writersCount }, async (_, w) => {
      for (let i = 0; i < each; i++) await recordAudit(db, entry(tenantFor(w), w * each + i));
    }),
  );
}

/** COPY text format: tab-separated, `\N` for null; our generated values hold no tab, newline or backslash. */
const copyField = (value: string | number | null) => (value === null ? '\\N' : String(value));

/** A valid chain of `count` events for one tenant, streamed into the table with COPY, and its head. */
async function seedChain(url: string, tenantId: string, count: number): Promise<void> {
  const client = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const stream = await client`COPY audit_events (tenant_id, seq, actor_type, actor_id, action, subject_type, subject_id, details, data_subject_id, sealed, at, prev_hash, hash) FROM STDIN`.writable();
    let prevHash = GENESIS_HASH;
    const start = Date.parse('2026-01-01T00:00:00Z');
    for (let seq = 1; seq <= count; seq++) {
      const event: ChainedEvent = {
        tenantId,
        seq,
        at: chainTimestamp(new Date(start + seq)),
        actorType: seq % 5 === 0 ? 'system' : 'agent',
        actorId: seq % 5 === 0 ? null : `00000000-0000-4000-8000-${String(seq % 97).padStart(12, '0')}`,
        action: seq % 3 === 0 ? 'recording.listed' : 'recording.played',
        subjectType: 'recording',
        subjectId: `00000000-0000-4000-9000-${String(seq).padStart(12, '0')}`,
        details: { meetingType: 'support', allowed: seq % 7 !== 0, n: seq },
        dataSubjectId: null,
        sealed: null,
        prevHash,
      };
      const hash = linkHash(prevHash, canonicalEvent(event));
      const line = [tenantId, seq, event.actorType, event.actorId, event.action, event.subjectType, event.subjectId, JSON.stringify(event.details), null, null, event.at, prevHash, hash].map(copyField).join('\t');
      prevHash = hash;
      if (!stream.write(`${line}\n`)) await once(stream, 'drain');
    }
    stream.end();
    await once(stream, 'finish');
    await client`INSERT INTO audit_chain_heads (tenant_id, seq, hash) VALUES (${tenantId}, ${count}, ${prevHash})
                 ON CONFLICT (tenant_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`;
    await client`ANALYZE audit_events`;
  } finally {
    await client.end({ timeout: 5 });
  }
}

export async function benchAudit(log: (message: string) => void): Promise<AuditFigures> {
  log('access policy: 1,000,000 decisions, and loading a user\'s access');
  const policy = await benchPolicy();
  log('audit: starting a private PostgreSQL server');
  const server = startPostgres();
  let database: Database | undefined;
  try {
    const url = createDatabase(server, 'bench_audit');
    database = await openDatabase({ url });
    await database.migrate();
    const db = database.db;
    const tenantIds: string[] = [];
    for (let i = 0; i < WRITERS + 1; i++) tenantIds.push((await db.insert(tenants).values({ name: `Bench ${i}` }).returning({ id: tenants.id }))[0]!.id);
    // Warm-up: connections open, statements planned.
    await writers(db, (w) => tenantIds[w]!, WRITERS, 800);

    const appends: AppendFigure[] = [];
    log('audit: one writer, one event per transaction');
    appends.push(await timed('1 writer, 1 event per transaction', SINGLE_EVENTS, () => writers(db, () => tenantIds[0]!, 1, SINGLE_EVENTS)));
    log('audit: 16 writers on one tenant');
    appends.push(await timed(`${WRITERS} writers on 1 tenant, 1 event per transaction`, CONCURRENT_EVENTS, () => writers(db, () => tenantIds[0]!, WRITERS, CONCURRENT_EVENTS)));
    log('audit: 16 writers on 16 tenants');
    appends.push(await timed(`${WRITERS} writers on ${WRITERS} tenants, 1 event per transaction`, CONCURRENT_EVENTS, () => writers(db, (w) => tenantIds[w]!, WRITERS, CONCURRENT_EVENTS)));
    log('audit: batched appends');
    appends.push(
      await timed(`1 writer, ${BATCH_SIZE} events per transaction (recordAuditBatch)`, BATCHED_EVENTS, async () => {
        for (let done = 0; done < BATCHED_EVENTS; done += BATCH_SIZE) {
          await recordAuditBatch(db, Array.from({ length: BATCH_SIZE }, (_, i) => entry(tenantIds[1]!, done + i)));
        }
      }),
    );

    log(`audit: seeding a chain of ${AUDIT_GOALS.verifyEvents.toLocaleString('en-US')} events with COPY`);
    const verifyTenant = tenantIds[WRITERS]!;
    const seedStarted = performance.now();
    // A tenant inserted directly, without events: the generated chain is its whole trail.
    await seedChain(url, verifyTenant, AUDIT_GOALS.verifyEvents);
    const seedSeconds = (performance.now() - seedStarted) / 1000;

    log('audit: verifying 1,000,000 events');
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const result = await verifyAuditChain(db, { tenantId: verifyTenant });
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    if (!result.ok) throw new Error(`the seeded chain did not verify: ${JSON.stringify(result.firstBroken)}`);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    return { policy, appends, verify: { events: result.events, seconds, perSecond: result.events / seconds, cpuSeconds, seedSeconds, ok: result.ok } };
  } finally {
    await database?.close();
    server.stop();
  }
}

export function auditGoals(figures: AuditFigures | undefined): Goal[] {
  if (!figures) return [{ part: AUDIT_PART, name: 'audit appends and verification', measured: '—', verdict: 'NO RESULT' }];
  const best = Math.max(...figures.appends.map((a) => a.perSecond));
  return [
    {
      part: AUDIT_PART,
      name: `policy check p99 < ${POLICY_GOAL_MICROS} µs`,
      measured: `${figures.policy.decideP99Micros} µs`,
      verdict: figures.policy.decideP99Micros < POLICY_GOAL_MICROS ? 'PASS' : 'MISS',
    },
    ...figures.appends.map(
      (a): Goal => ({
        part: AUDIT_PART,
        name: `audit appends ≥ ${AUDIT_GOALS.appendsPerSecond.toLocaleString('en-US')}/s on PostgreSQL: ${a.name}`,
        measured: `${Math.round(a.perSecond).toLocaleString('en-US')}/s`,
        verdict: a.perSecond >= AUDIT_GOALS.appendsPerSecond ? 'PASS' : 'MISS',
      }),
    ),
    {
      part: AUDIT_PART,
      name: `audit appends ≥ ${AUDIT_GOALS.appendsPerSecond.toLocaleString('en-US')}/s on PostgreSQL, best way of writing`,
      measured: `${Math.round(best).toLocaleString('en-US')}/s`,
      verdict: best >= AUDIT_GOALS.appendsPerSecond ? 'PASS' : 'MISS',
    },
    {
      part: AUDIT_PART,
      name: `verify ${AUDIT_GOALS.verifyEvents.toLocaleString('en-US')} audit events < ${AUDIT_GOALS.verifySeconds} s`,
      measured: `${figures.verify.seconds.toFixed(2)} s`,
      verdict: figures.verify.events >= AUDIT_GOALS.verifyEvents && figures.verify.seconds < AUDIT_GOALS.verifySeconds ? 'PASS' : 'MISS',
    },
  ];
}

/** The audit section as the previous BENCHMARKS.md had it, if any. */
export function previousAuditSection(document: string): string | undefined {
  const start = document.indexOf(`\n${AUDIT_HEADING}\n`);
  if (start === -1) return undefined;
  const rest = document.slice(start + 1);
  const next = rest.slice(AUDIT_HEADING.length).search(/^## /m);
  return (next === -1 ? rest : rest.slice(0, AUDIT_HEADING.length + next)).trim();
}

export function renderAuditSection(run: AuditRun | undefined, figures: AuditFigures | undefined, failure: string | undefined, previous: string): string {
  if (!run || (!figures && !failure)) return previousAuditSection(previous) ?? `${AUDIT_HEADING}\n\nNot measured yet: \`PARLEY_BENCH_ONLY=${AUDIT_PART} npm run bench\`.`;
  const m = run.machine;
  const lines = [
    AUDIT_HEADING,
    '',
    `- **Date**: ${run.date.toISOString()}; **Code**: ${m.revision}`,
    `- **Machine**: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB memory; ${m.os}; Node ${m.node}; ${m.software.PostgreSQL ?? 'PostgreSQL'}; 1-minute load average ${run.loadAtStart.toFixed(2)} at the start`,
    `- **Command**: \`${run.command}\` (\`tests/bench/audit.ts\`)`,
    '',
  ];
  if (!figures) {
    lines.push(`**Failed**: ${failure!.split('\n')[0]}`);
    return lines.join('\n');
  }
  lines.push(
    `**Method.** A private PostgreSQL server (\`startPostgres()\`: fsync on, loopback), Parley's pool (20 connections), this process appending through \`recordAudit\` / \`recordAuditBatch\` exactly as the services do: each append locks the tenant's chain head, computes SHA-256 over the previous hash and the RFC 8785 form, inserts the event and moves the head in one statement, and commits. After ${(800).toLocaleString('en-US')} warm-up events. Verification: ${AUDIT_GOALS.verifyEvents.toLocaleString('en-US')} events of one tenant, a valid chain generated and loaded with COPY (not measured), then \`verifyAuditChain\` for that tenant, timed from call to result: one read-only snapshot, keyset statements of 100,000 events whose rows are checked as they stream in, each event's RFC 8785 form written from the row's bytes and hashed (every hash recomputed).`,
    '',
    `**Policy.** \`tests/bench/policy.ts\`: ${figures.policy.decisions.toLocaleString('en-US')} calls of \`decide\` (the one policy function every route calls with the object in hand) for a user with two roles, one of them scoped to 20 meeting types, and 200 clients, over a mix of objects (own and other clients, granted and other meeting types, other tenants), each call timed with \`process.hrtime\`. Loading a user's roles and clients from the database happens once per request, before any decision: ${figures.policy.loads.toLocaleString('en-US')} loads on PGlite, timed the same way.`,
    '',
    markdownTable([
      ['Policy', 'p50', 'p99', 'max'],
      ['decide (per decision)', `${figures.policy.decideP50Micros} µs`, `${figures.policy.decideP99Micros} µs`, `${figures.policy.decideMaxMicros} µs`],
      ['loadAgentAccess (per request, PGlite)', `${(figures.policy.loadP50Micros / 1000).toFixed(2)} ms`, `${(figures.policy.loadP99Micros / 1000).toFixed(2)} ms`, '—'],
    ]),
    '',
    markdownTable([
      ['Appends', 'events', 'seconds', 'events/s'],
      ...figures.appends.map((a) => [a.name, a.events.toLocaleString('en-US'), a.seconds.toFixed(2), Math.round(a.perSecond).toLocaleString('en-US')]),
    ]),
    '',
    markdownTable([
      ['Verification', 'events', 'seconds', 'events/s', 'CPU seconds (this process)'],
      ['verifyAuditChain, one tenant', figures.verify.events.toLocaleString('en-US'), figures.verify.seconds.toFixed(2), Math.round(figures.verify.perSecond).toLocaleString('en-US'), figures.verify.cpuSeconds.toFixed(2)],
    ]),
    '',
    markdownTable([['Goal', 'Measured', 'Verdict'], ...auditGoals(figures).map((g) => [g.name, g.measured, `**${g.verdict}**`])]),
    '',
    'One tenant\'s appends are serialized by design: the head row stays locked from the append until the transaction commits, so one tenant\'s rate is bounded by its commit latency (round trips plus an fsync per transaction); different tenants append in parallel, and a batch pays the lock and the commit once for many events.',
    '',
    'Verification is CPU-bound on both cores at once: PostgreSQL reads and sends the rows (the raw text of 12 columns per event) while this process writes each event\'s RFC 8785 form straight from the row\'s bytes and hashes it. Wall time exceeds the larger of the two CPU times by whatever else the machine runs (see the load average above).',
  );
  return lines.join('\n');
}
