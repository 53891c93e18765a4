import { randomBytes } from 'node:crypto';
import { mkdtemp, chmod, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../src/config';
import { createDb } from '../src/db/knex';
import { migrateToLatest } from '../src/db/migrate';
import { ensureApiKey } from '../src/db/repositories/apiKeys';
import { createLogger } from '../src/log';
import { generateApiKey } from '../src/security/apiKeys';
import { startEmbeddedPostgres } from '../src/infra/embeddedPostgres';
import { freePort, startDevServer } from '../src/temporal/devServer';
import { startTemporalServer } from '../src/temporal/server';
import { startSystem } from '../src/system';
import { startTracing, stopTracing } from '../src/tracing';
import { OtlpReceiver } from '../test/helpers/otlpReceiver';
import { RoleProcess } from '../test/helpers/workerProcess';
import type { PidGroups } from './measure';

export type Engine = 'dev' | 'server';

export interface Topology {
  engine: Engine;
  /** Separate `main.js worker` and `main.js api` processes; 0 and 0: one system in this process. */
  workers: number;
  apis: number;
  /** Traces on (docs/tracing.md), exported to a span-counting OTLP sink on 127.0.0.1. */
  tracing?: boolean;
}

export interface BenchStack extends Topology {
  inProcess: boolean;
  db: Knex;
  apiUrls: string[];
  apiKey: string;
  temporalAddress: string;
  namespace: string;
  /** The Temporal server's Prometheus endpoint. */
  metricsUrl: string;
  /** Processes whose CPU is counted, by group (this process is counted as `bench`). */
  pids(): PidGroups;
  /** Spans the sink has received so far (tracing on), else null. */
  spans(): number | null;
  stop(): Promise<void>;
}

type Stop = () => Promise<unknown>;

/** A throwaway embedded Postgres; its postmaster's pid for CPU accounting. */
export async function embeddedPostgres(stops: Stop[], prefix: string) {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  await chmod(dir, 0o755); // run as root, Postgres runs as `postgres` and must reach its data dir
  const pg = await startEmbeddedPostgres(dir);
  stops.push(async () => {
    await pg.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const pid = Number((await readFile(path.join(dir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);
  return { url: pg.url, pid };
}

const otelEnv = (env: Record<string, string>) => Object.fromEntries(Object.entries(env).filter(([name]) => name.startsWith('OTEL_')));

/**
 * The OTLP sink traces go to: it counts spans (OTLP/HTTP JSON, so they can be counted without a
 * protobuf decoder; the exporter's JSON costs a little more than the default protobuf). Its
 * settings join `env`, with a short export delay so a scenario's spans arrive within it.
 */
async function traceSink(stops: Stop[], env: Record<string, string>): Promise<OtlpReceiver> {
  const sink = await new OtlpReceiver({ keep: false }).start();
  stops.push(() => sink.stop());
  Object.assign(env, { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '500' });
  return sink;
}

async function startEngine(engine: Engine, stops: Stop[], pids: PidGroups) {
  const metricsPort = await freePort();
  if (engine === 'dev') {
    const server = await startDevServer({ uiPort: null, metricsPort });
    stops.push(server.stop);
    if (server.pid) pids.temporal = [server.pid];
    return { address: server.address, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics` };
  }
  // The production server gets a Postgres of its own, so its CPU is counted apart from ours.
  const pg = await embeddedPostgres(stops, 'continuum-bench-temporal-pg-');
  pids.temporal_postgres = [pg.pid];
  const server = await startTemporalServer({ postgresUrl: pg.url });
  stops.push(server.stop);
  pids.temporal = [server.pid];
  return { address: server.address, metricsUrl: server.metricsUrl };
}

/**
 * The real system for a benchmark on the chosen engine: DATABASE_URL when set, otherwise a
 * throwaway embedded Postgres. Production defaults except that the receiver is on loopback
 * over http, and `env` (short retry schedules for the failing scenario).
 */
export async function startBenchStack(topology: Topology, env: Record<string, string> = {}): Promise<BenchStack> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const stops: Stop[] = [];
  const pids: PidGroups = { ours: [] };
  const stop = async () => {
    for (const fn of stops.reverse()) await fn().catch(() => {});
  };
  try {
    let databaseUrl = process.env.DATABASE_URL;
    if (!databaseUrl) {
      const pg = await embeddedPostgres(stops, 'continuum-bench-pg-');
      databaseUrl = pg.url;
      pids.app_postgres = [pg.pid];
    }
    const temporal = await startEngine(topology.engine, stops, pids);
    const apiKey = generateApiKey();
    const fullEnv: Record<string, string> = {
      PORT: '0',
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: `bench-${randomBytes(4).toString('hex')}`,
      CONTINUUM_BOOTSTRAP_API_KEY: apiKey,
      CONTINUUM_SECRET_KEY: randomBytes(32).toString('base64'),
      CONTINUUM_ALLOW_HTTP: 'true',
      CONTINUUM_ALLOW_PRIVATE_TARGETS: 'true',
      LOG_LEVEL: 'error',
      // Tuning to compare (e.g. CONTINUUM_ACTIVE_DELIVERIES_PER_ENDPOINT) comes from the bench's environment.
      ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('CONTINUUM_')) as Array<[string, string]>),
      ...env,
    };
    const sink = topology.tracing ? await traceSink(stops, fullEnv) : null;
    const inProcess = topology.workers === 0 && topology.apis === 0;
    const base = {
      ...topology, inProcess, apiKey, temporalAddress: temporal.address, namespace: 'default', metricsUrl: temporal.metricsUrl, pids: () => pids, stop,
      spans: () => sink?.spanCount ?? null,
    };
    if (inProcess) {
      const config = loadConfig(fullEnv);
      if (sink) {
        // The SDK reads its OTEL_* settings from this process's environment.
        Object.assign(process.env, otelEnv(fullEnv));
        await startTracing(config.otlpEndpoint);
        stops.push(stopTracing);
      }
      const system = await startSystem(config, { roles: ['api', 'worker'], log: createLogger('error'), host: '127.0.0.1' });
      stops.push(() => system.stop());
      return { ...base, db: system.db, apiUrls: [system.apiUrl as string] };
    }
    if (topology.workers < 1 || topology.apis < 1) throw new Error('--workers and --apis: both at least 1 (or both 0 for one process)');
    // Migrate once before the processes start, so that they don't race for the migration lock.
    const db = createDb(databaseUrl, 5);
    stops.push(() => db.destroy());
    await migrateToLatest(db);
    await ensureApiKey(db, loadConfig(fullEnv).bootstrapTenant, apiKey);
    const roles = [...Array(topology.workers).fill('worker'), ...Array(topology.apis).fill('api')] as Array<'worker' | 'api'>;
    const processes = await Promise.all(roles.map((role) => new RoleProcess(role, fullEnv).start(120_000).then((p) => {
      stops.push(() => p.stop());
      return p;
    })));
    pids.ours = processes.map((p) => p.pid as number);
    return { ...base, db, apiUrls: processes.flatMap((p) => (p.apiUrl ? [p.apiUrl] : [])) };
  } catch (err) {
    await stop();
    throw err;
  }
}
