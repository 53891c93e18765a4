import { chmod, mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { canListen, commandLine } from '../../src/infra/processInfo';
import { freePort } from '../../src/temporal/devServer';

/** A data directory Postgres (run as `postgres` when we are root) can use. */
export async function tempDataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'continuum-dev-'));
  await chmod(dir, 0o755);
  return dir;
}

/** A port for the dev Temporal server whose Web UI port (+1000) is free too. */
export async function freeDevTemporalPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port < 60_000 && (await canListen(port + 1000, '127.0.0.1'))) return port;
  }
}

/** The zero-config setup (`npm start` with no env), in its own data dir and Temporal port. */
export function devEnv(dataDir: string, temporalPort: number): Record<string, string> {
  return {
    CONTINUUM_DATA_DIR: dataDir,
    CONTINUUM_DEV_TEMPORAL_PORT: String(temporalPort),
    PORT: '0',
    DATABASE_URL: '',
    TEMPORAL_ADDRESS: '',
    NODE_ENV: '',
    LOG_LEVEL: 'info',
  };
}

/** The pids a run recorded: its own first, then its children (Postgres, Temporal). */
export async function recordedPids(dataDir: string): Promise<{ owner: number; children: Record<string, number> }> {
  const record = JSON.parse(await readFile(path.join(dataDir, 'processes.json'), 'utf8'));
  return { owner: record.owner.pid, children: Object.fromEntries(record.children.map((c: { name: string; pid: number }) => [c.name, c.pid])) };
}

export async function isAlive(pid: number): Promise<boolean> {
  return (await commandLine(pid)) !== null;
}

/** Resolves once none of the pids is alive; rejects naming the survivors after the timeout. */
export async function waitAllGone(pids: number[], timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const alive = [];
    for (const pid of pids) if (await isAlive(pid)) alive.push(pid);
    if (alive.length === 0) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`still running after ${timeoutMs} ms: ${alive.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
