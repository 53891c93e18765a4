import { readFileSync } from 'node:fs';

export const percentile = (sorted: number[], p: number): number =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** CPU seconds (user + system) a process has used so far, from /proc; 0 where unreadable. */
export function processCpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

/** CPU seconds of this process and of the stack's other processes, between two marks. */
export function cpuMeter(otherPids: number[]) {
  const start = { ours: process.cpuUsage(), others: otherPids.map(processCpuSeconds) };
  return () => {
    const used = process.cpuUsage(start.ours);
    return {
      cpu_s: Math.round(((used.user + used.system) / 1e6) * 10) / 10,
      temporal_cpu_s: Math.round(otherPids.reduce((sum, pid, i) => sum + processCpuSeconds(pid) - start.others[i], 0) * 10) / 10,
      rss_mb: Math.round(process.memoryUsage().rss / 1_048_576),
    };
  };
}

/** Runs `count` jobs with at most `concurrency` at once. */
export async function pool(count: number, concurrency: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) await job(next++);
  }));
}
