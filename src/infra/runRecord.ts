import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { StartupError } from '../config';
import { commandLine, describeProcess } from './processInfo';

interface RecordedProcess {
  name: string;
  pid: number;
  cmdline: string[];
}

interface RecordFile {
  owner: RecordedProcess;
  children: RecordedProcess[];
}

// Postgres stops at once on SIGINT (fast shutdown) but waits for every client on SIGTERM.
const STOP_SIGNAL: Record<string, NodeJS.Signals> = { postgres: 'SIGINT' };
const STOP_GRACE_MS = 10_000;

/** Still the process we recorded: same pid and the same command line (pids are reused). */
async function isRunning(recorded: RecordedProcess): Promise<boolean> {
  return isDeepStrictEqual(await commandLine(recorded.pid), recorded.cmdline);
}

async function stopProcess(recorded: RecordedProcess): Promise<void> {
  const send = (signal: NodeJS.Signals) => {
    try {
      process.kill(recorded.pid, signal);
    } catch {
      // already gone
    }
  };
  send(STOP_SIGNAL[recorded.name] ?? 'SIGTERM');
  const deadline = Date.now() + STOP_GRACE_MS;
  while (await isRunning(recorded)) {
    if (Date.now() > deadline) send('SIGKILL');
    if (Date.now() > deadline + 5000) throw new StartupError(`could not stop ${await describeProcess(recorded.pid)}, left by an earlier run`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The processes this run started (embedded Postgres, Temporal dev server), written to
 * `<data dir>/processes.json` as they start and removed after a clean stop. A run killed with
 * SIGKILL can't stop its children; the next start finds them here, recognises them by pid and
 * command line, and stops them, so nothing is ever adopted that this code did not start.
 */
export class RunRecord {
  private constructor(private readonly file: string, private readonly data: RecordFile) {}

  /** Takes the data directory for this process, stopping what an earlier, dead run left. */
  static async claim(dataDir: string, log: (line: string) => void): Promise<RunRecord> {
    await mkdir(dataDir, { recursive: true });
    const file = path.resolve(dataDir, 'processes.json');
    const earlier = await readRecord(file);
    if (earlier && earlier.owner.pid !== process.pid && (await isRunning(earlier.owner))) {
      throw new StartupError(`${path.resolve(dataDir)} is in use by a running Continuum Webhooks, ${await describeProcess(earlier.owner.pid)}: `
        + 'stop it first, or set CONTINUUM_DATA_DIR to another directory');
    }
    const left: RecordedProcess[] = [];
    for (const child of earlier?.children ?? []) if (await isRunning(child)) left.push(child);
    if (left.length > 0) {
      await Promise.all(left.map(stopProcess));
      log(`stopped what an earlier run left running: ${left.map((c) => `${c.name} (pid ${c.pid})`).join(', ')}`);
    }
    const owner = { name: 'continuum', pid: process.pid, cmdline: (await commandLine(process.pid)) ?? process.argv };
    const record = new RunRecord(file, { owner, children: [] });
    await record.save();
    return record;
  }

  /** Records a child that just started (a restarted one replaces its earlier run). */
  async add(name: string, pid: number | undefined): Promise<void> {
    const cmdline = pid === undefined ? null : await commandLine(pid);
    if (pid === undefined || !cmdline) return;
    this.data.children = [...this.data.children.filter((child) => child.name !== name), { name, pid, cmdline }];
    await this.save();
  }

  /** After a clean stop: nothing of this run is left to find. */
  async release(): Promise<void> {
    await rm(this.file, { force: true });
  }

  private async save(): Promise<void> {
    const temp = `${this.file}.${process.pid}.tmp`;
    await writeFile(temp, `${JSON.stringify(this.data, null, 2)}\n`);
    await rename(temp, this.file);
  }
}

async function readRecord(file: string): Promise<RecordFile | null> {
  try {
    const data = JSON.parse(await readFile(file, 'utf8')) as RecordFile;
    return Array.isArray(data?.children) && typeof data.owner?.pid === 'number' ? data : null;
  } catch {
    return null;
  }
}
