import { readdirSync, readFileSync } from 'node:fs';

export const percentile = (sorted: number[], p: number): number =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime, seconds. */
  own: number;
  /** cutime + cstime: children that ended and were waited for, seconds. */
  reaped: number;
}

function readStat(pid: number): ProcStat | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // Clock ticks (USER_HZ = 100); fields after the command: state ppid ... utime stime cutime cstime
    return { pid, ppid: Number(fields[1]), own: (Number(fields[11]) + Number(fields[12])) / 100, reaped: (Number(fields[13]) + Number(fields[14])) / 100 };
  } catch {
    return null;
  }
}

/**
 * CPU seconds a process and all its descendants have used so far (those still running, and
 * those that ended and were reaped): a Postgres server's backends come and go. 0 when gone.
 */
export function processTreeCpuSeconds(rootPid: number): number {
  const all = readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map((name) => readStat(Number(name))).filter((s): s is ProcStat => s !== null);
  const children = new Map<number, ProcStat[]>();
  for (const stat of all) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), stat]);
  const root = all.find((s) => s.pid === rootPid);
  if (!root) return 0;
  let total = root.reaped;
  const stack = [root];
  while (stack.length > 0) {
    const stat = stack.pop() as ProcStat;
    total += stat.own;
    stack.push(...(children.get(stat.pid) ?? []));
  }
  return total;
}

/** Groups of processes whose CPU is counted apart (e.g. ours, temporal, temporal_postgres). */
export type PidGroups = Record<string, number[]>;

/**
 * CPU seconds per group between two marks; `bench` is this process (in a single-process
 * run it also holds the system under test, see docs/benchmarks.md).
 */
export function cpuMeter(groups: () => PidGroups) {
  const sample = () => Object.fromEntries(Object.entries(groups()).map(([name, pids]) => [name, pids.map((pid) => [pid, processTreeCpuSeconds(pid)] as const)]));
  const start = { bench: process.cpuUsage(), groups: sample() };
  return () => {
    const used = process.cpuUsage(start.bench);
    const end = sample();
    const seconds: Record<string, number> = { bench: (used.user + used.system) / 1e6 };
    for (const [name, pids] of Object.entries(end)) {
      const before = new Map(start.groups[name] ?? []);
      // A process that died in between (killed on purpose) counts from its last reading: 0.
      seconds[name] = pids.reduce((sum, [pid, cpu]) => sum + Math.max(0, cpu - (before.get(pid) ?? 0)), 0);
    }
    return seconds;
  };
}

/** Runs `count` jobs with at most `concurrency` at once. */
export async function pool(count: number, concurrency: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) await job(next++);
  }));
}
