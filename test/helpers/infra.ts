import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createDb } from '../../src/db/knex';
import { startEmbeddedPostgres } from '../../src/infra/embeddedPostgres';
import { startDevServer, type DevServer } from '../../src/temporal/devServer';
import { workflowsPath } from '../../src/temporal/worker';

/** Shared by every test file: one real Temporal dev server, one real Postgres, one bundle. */
export interface TestInfra {
  temporalAddress: string;
  postgresUrl: string;
  workflowBundle: WorkflowBundleWithSourceMap;
}

let infra: TestInfra | null = null;
const stops: Array<() => Promise<void>> = [];

export async function setupInfra(): Promise<void> {
  // No skipping: when a server can't be had the whole run fails with the reason.
  const [temporal, postgresUrl, workflowBundle] = await Promise.all([
    startDevServer({ uiPort: null, log: () => {} }).then((server: DevServer) => {
      stops.push(server.stop);
      return server;
    }),
    providePostgres(),
    bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: quietLogger }),
  ]);
  infra = { temporalAddress: temporal.address, postgresUrl, workflowBundle };
}

export async function teardownInfra(): Promise<void> {
  for (const stop of stops.reverse()) await stop().catch(() => {});
  infra = null;
}

export function getInfra(): TestInfra {
  if (!infra) throw new Error('test infrastructure is not set up (run through npm test)');
  return infra;
}

/** TEST_DATABASE_URL when given (any reachable Postgres), else an embedded one in a temp dir. */
async function providePostgres(): Promise<string> {
  if (process.env.TEST_DATABASE_URL) return process.env.TEST_DATABASE_URL;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'continuum-test-pg-'));
  await chmod(dir, 0o755); // run as root, Postgres runs as `postgres` and must reach its data dir
  const pg = await startEmbeddedPostgres(dir);
  stops.push(async () => {
    await pg.stop();
    await rm(dir, { recursive: true, force: true });
  });
  return pg.url;
}

/** A fresh database for one test file, so files never see each other's rows. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `cw_test_${randomBytes(6).toString('hex')}`;
  const admin = createDb(getInfra().postgresUrl, 1);
  await admin.raw(`CREATE DATABASE ${name}`);
  await admin.destroy();
  const url = new URL(getInfra().postgresUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const db = createDb(getInfra().postgresUrl, 1);
      await db.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await db.destroy();
    },
  };
}

const quietLogger = {
  log: () => {}, trace: () => {}, debug: () => {}, info: () => {}, warn: () => {},
  error: (message: string) => process.stderr.write(`${message}\n`),
};
