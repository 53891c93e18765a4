import { randomBytes } from 'node:crypto';
import { mkdtemp, chmod, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/log';
import { generateApiKey } from '../src/security/apiKeys';
import { startEmbeddedPostgres } from '../src/infra/embeddedPostgres';
import { startDevServer } from '../src/temporal/devServer';
import { startSystem, type RunningSystem } from '../src/system';

export interface BenchStack {
  system: RunningSystem;
  apiKey: string;
  /** Processes of the stack besides ours (Temporal dev server), for CPU accounting. */
  otherPids: number[];
  stop(): Promise<void>;
}

/**
 * The real system for a benchmark: DATABASE_URL / TEMPORAL_ADDRESS when set, otherwise a
 * throwaway embedded Postgres and Temporal dev server. Production defaults except that the
 * receiver is on loopback over http.
 */
export async function startBenchStack(env: Record<string, string> = {}): Promise<BenchStack> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const stops: Array<() => Promise<void>> = [];
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'continuum-bench-pg-'));
    await chmod(dir, 0o755);
    const pg = await startEmbeddedPostgres(dir);
    stops.push(async () => {
      await pg.stop();
      await rm(dir, { recursive: true, force: true });
    });
    databaseUrl = pg.url;
  }
  let temporalAddress = process.env.TEMPORAL_ADDRESS;
  const otherPids: number[] = [];
  if (!temporalAddress) {
    const server = await startDevServer({ uiPort: null });
    stops.push(server.stop);
    temporalAddress = server.address;
    if (server.pid) otherPids.push(server.pid);
  }
  const apiKey = generateApiKey();
  const config = loadConfig({
    PORT: '0',
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_TASK_QUEUE: `bench-${randomBytes(4).toString('hex')}`,
    CONTINUUM_BOOTSTRAP_API_KEY: apiKey,
    CONTINUUM_SECRET_KEY: randomBytes(32).toString('base64'),
    CONTINUUM_ALLOW_HTTP: 'true',
    CONTINUUM_ALLOW_PRIVATE_TARGETS: 'true',
    LOG_LEVEL: 'error',
    ...env,
  });
  const system = await startSystem(config, { roles: ['api', 'worker'], log: createLogger('error'), host: '127.0.0.1' });
  return {
    system,
    apiKey,
    otherPids,
    async stop() {
      await system.stop();
      for (const stop of stops.reverse()) await stop().catch(() => {});
    },
  };
}
