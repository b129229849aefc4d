import { readdirSync, readFileSync } from 'node:fs';

// Linux reports CPU time in clock ticks; 100 per second on every kernel config we run on.
const TICKS_PER_SECOND = 100;

interface ProcStat {
  pid: number;
  ppid: number;
  command: string;
  /** utime + stime, in seconds. */
  cpuSeconds: number;
}

function readStat(pid: number): ProcStat | null {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command sits in parentheses and may itself contain spaces or parentheses.
    const close = raw.lastIndexOf(')');
    const command = raw.slice(raw.indexOf('(') + 1, close);
    const fields = raw.slice(close + 2).split(' ');
    return { pid, ppid: Number(fields[1]), command, cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND };
  } catch {
    return null; // gone between listing and reading
  }
}

function allProcesses(): ProcStat[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readStat(Number(name)))
    .filter((stat): stat is ProcStat => stat !== null);
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** A process and everything it started that is still running. */
function tree(root: number, processes: ProcStat[]): ProcStat[] {
  const found = processes.filter((p) => p.pid === root);
  for (let i = 0; i < found.length; i++) {
    for (const p of processes) if (p.ppid === found[i]!.pid) found.push(p);
  }
  return found;
}

/** Busy CPU seconds of the whole machine, all cores, since boot. */
function machineBusySeconds(): number {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  // user nice system idle iowait irq softirq steal: everything but idle and iowait is busy.
  const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / TICKS_PER_SECOND;
}

const MACHINE = 'whole machine';
export const OTHER = 'anything else';

/** CPU seconds used so far, per named group of processes. */
export type CpuSnapshot = Record<string, number>;

export interface CpuGroups {
  /** A server child: its own process, and (separately) the Janus it started. */
  server?: number;
  /** The PostgreSQL server listening on this port: postmaster and its backends. */
  postgresPort?: number;
}

export function cpuSnapshot(groups: CpuGroups): CpuSnapshot {
  const processes = allProcesses();
  const machine = machineBusySeconds();
  const own = process.cpuUsage();
  const snapshot: CpuSnapshot = { 'load generator': (own.user + own.system) / 1e6 };
  if (groups.server !== undefined) {
    const members = tree(groups.server, processes);
    snapshot['server (node)'] = members.filter((p) => !p.command.startsWith('janus')).reduce((sum, p) => sum + p.cpuSeconds, 0);
    const janus = members.filter((p) => p.command.startsWith('janus'));
    if (janus.length > 0) snapshot.janus = janus.reduce((sum, p) => sum + p.cpuSeconds, 0);
  }
  if (groups.postgresPort !== undefined) {
    const postmaster = processes.find((p) => p.command === 'postgres' && commandLine(p.pid).includes(`-p ${groups.postgresPort}`));
    if (postmaster) snapshot.postgresql = tree(postmaster.pid, processes).reduce((sum, p) => sum + p.cpuSeconds, 0);
  }
  snapshot[MACHINE] = machine;
  return snapshot;
}

/**
 * CPU milliseconds per request for each group between two snapshots, plus what the
 * rest of the machine used meanwhile: a large "anything else" means the run was disturbed.
 */
export function cpuPerRequest(before: CpuSnapshot, after: CpuSnapshot, requests: number): Record<string, number> {
  const perRequest = (name: string) => ((after[name]! - (before[name] ?? 0)) * 1000) / requests;
  const groups = Object.keys(after).filter((name) => name !== MACHINE);
  const result = Object.fromEntries(groups.map((name) => [name, perRequest(name)]));
  const accounted = groups.reduce((sum, name) => sum + result[name]!, 0);
  result[OTHER] = Math.max(0, perRequest(MACHINE) - accounted);
  return result;
}
