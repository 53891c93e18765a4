import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { StartupError } from '../config';
import { canListen, commandLine, describeProcess, portHolder } from './processInfo';

/**
 * Refuses to start when a port we are about to bind is taken, naming the process that holds
 * it: a server there is not ours to adopt (it may be another project's, or an older run's).
 */
export async function assertPortFree(port: number, host: string, what: string, hint: string): Promise<void> {
  if (port === 0 || (await canListen(port, host))) return;
  const holder = await portHolder(port);
  throw new StartupError(`port ${port} (${what}) is held by ${holder ? await describeProcess(holder) : 'another process'}, `
    + `which this run did not start: ${hint}`);
}

/** Refuses to start Postgres on a data directory that a running Postgres holds. */
export async function assertPostgresDirFree(databaseDir: string): Promise<void> {
  const lockFile = await readFile(path.join(databaseDir, 'postmaster.pid'), 'utf8').catch(() => null);
  const pid = Number(lockFile?.split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  // A lock file whose process is gone is stale: Postgres removes it itself.
  if (!(await commandLine(pid))?.some((arg) => arg.includes('postgres'))) return;
  throw new StartupError(`the Postgres data directory ${databaseDir} is held by ${await describeProcess(pid)}, `
    + 'which this run did not start: stop it, or set CONTINUUM_DATA_DIR to another directory');
}
