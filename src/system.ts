import type { Server } from 'node:http';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { WorkflowBundleOption } from '@temporalio/worker';
import { attemptTimeoutMs, leaseBoundMs, type Config, type StartupError } from './config';
import { DependencyMonitor } from './infra/dependencyMonitor';
import { StopSequence } from './infra/stopSequence';
import { createWorkflowControls } from './events/controlFactory';
import { createApp } from './api/app';
import { listenApi } from './api/server';
import { assertPortFree } from './infra/preflight';
import { createDb } from './db/knex';
import { migrateToLatest } from './db/migrate';
import { ensureApiKey } from './db/repositories/apiKeys';
import { Dispatcher } from './gate/dispatcher';
import { gateSweep } from './gate/sweep';
import { handoverPass } from './upgrade/handover';
import type { GateSettings } from './gate/attempts';
import { RetentionPass } from './maintenance/retention';
import { OperationalEvents } from './events/operational';
import { AutoDisablePass } from './webhooks/autoDisable';
import { provideInfrastructure } from './infra/local';
import { recoveryStarterPass } from './recoveries/recoveries';
import { Metrics } from './metrics';
import { SecretBox } from './security/secrets';
import { TemporalConnector } from './temporal/client';
import { startWorker, type RunningWorker } from './temporal/worker';
import { createHttpAgent } from '../activities/http';

export type Role = 'api' | 'worker';

export interface RunningSystem {
  config: Config;
  db: Knex;
  apiUrl: string | null;
  temporalAddress: string;
  temporalUiUrl: string | null;
  bootstrapApiKey: string | null;
  /** True when the key was generated for the dev setup (it may be shown); false when it came from the environment. */
  bootstrapApiKeyGenerated: boolean;
  /** Claims leases for webhooks whose queue got rows and hands them out (publish's start queue). */
  dispatcher: Dispatcher;
  /** Routes the API serves ("METHOD /path"), empty without the api role. */
  routes: string[];
  stop(): Promise<void>;
}

export interface SystemOptions {
  roles: Role[];
  log: Logger;
  /** Watches Postgres and Temporal (main.ts builds it with the logger, which it quiets); one is made when absent. */
  monitor?: DependencyMonitor;
  /** A server this process started could not be brought back; default: logged. */
  onDependencyLost?: (err: StartupError) => void;
  workflowBundle?: WorkflowBundleOption;
  host?: string;
}

/** Where a client reaches a server bound to host:port (a wildcard bind is reached on localhost). */
function reachableUrl(host: string, port: number): string {
  if (host === '0.0.0.0' || host === '::') return `http://localhost:${port}`;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Stops accepting, lets requests in progress finish for a moment, then drops what is left
 * (a client that never finishes sending must not hold the stop).
 */
function closeServer(server: Server, graceMs = 2000): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** Composition root: builds every part from the config and starts the requested roles. */
export async function startSystem(config: Config, options: SystemOptions): Promise<RunningSystem> {
  const { log } = options;
  const host = options.host ?? config.host;
  if (options.roles.includes('api')) await assertPortFree(config.port, host, 'API', 'stop it, or set PORT to another port');
  const onLost = options.onDependencyLost ?? ((err: StartupError) => log.error(err.message));
  // Made first so that a local server's exit is down in health at once, not at the next check.
  const monitor = (options.monitor ?? new DependencyMonitor(config.dependencyChecks)).attachLog(log);
  const infra = await provideInfrastructure(config, log, onLost, (dependency, reason) => monitor.noteGone(dependency, reason));
  const stops = new StopSequence(log);
  stops.add('the local servers', infra.stop, 10_000);
  const stop = () => stops.run();
  try {
    const db = createDb(infra.databaseUrl, 10, log);
    stops.add('the database pool', () => db.destroy());
    await migrateToLatest(db);
    if (infra.bootstrapApiKey) await ensureApiKey(db, config.bootstrapTenant, infra.bootstrapApiKey);

    const secretBox = new SecretBox(infra.secretKey);
    const urlPolicy = { allowHttp: config.allowHttp, allowPrivateTargets: config.allowPrivateTargets, allowedCidrs: config.allowedTargetCidrs };
    const temporal = new TemporalConnector({ address: infra.temporalAddress, namespace: config.temporalNamespace });
    stops.add('the Temporal client', () => temporal.close());
    // Postgres is checked on a connection of its own, so a busy pool does not pass for an absent database.
    const probeDb = createDb(infra.databaseUrl, 1);
    stops.add('the database probe', () => probeDb.destroy());
    monitor.watch('database', () => probeDb.raw('select 1'));
    monitor.watch('temporal', () => temporal.ping(monitor.timeoutMs));
    monitor.start();
    stops.add('the dependency monitor', () => monitor.stop());
    const metrics = new Metrics();
    metrics.watchDependencies(db, monitor);
    const { deliveries, endpoints, recoveries } = createWorkflowControls(temporal, config);
    const api = options.roles.includes('api');
    // Every role claims for the rows it stores (a worker stores operational events, and its
    // attempts take the next leases); only an API process sweeps for rows left waiting.
    const claim = { startTtlMs: config.leaseStartTimeoutMs };
    const dispatcher: Dispatcher = new Dispatcher({
      db, deliveries, claim, heldLeaseMs: leaseBoundMs(config), log, deadLettered: (id): Promise<void> => operational.deadLettered(id), rateDelayed: () => metrics.permitsRateDelayed.inc(),
    });
    stops.add('the dispatcher', () => dispatcher.stop());
    const operational = new OperationalEvents({ db, startQueue: dispatcher, metrics, failureThreshold: config.circuitFailureThreshold });
    const gate: GateSettings = { failureThreshold: config.circuitFailureThreshold, claim, operational };

    if (options.roles.includes('worker')) {
      // Attempts get their own connections: sharing the API's would make publishing wait
      // behind a backlog of deliveries.
      const workerDb = options.roles.includes('api') ? createDb(infra.databaseUrl, 10, log) : db;
      if (workerDb !== db) stops.add('the worker database pool', () => workerDb.destroy());
      const httpAgent = createHttpAgent(urlPolicy);
      stops.add('the HTTP agent', () => httpAgent.close());
      const worker: RunningWorker = await startWorker({
        address: infra.temporalAddress,
        namespace: config.temporalNamespace,
        taskQueue: config.taskQueue,
        workflowBundle: options.workflowBundle,
        maxCachedWorkflows: config.workflowCacheSize,
        activityDeps: {
          db: workerDb, secretBox, urlPolicy, deliveryTimeoutMs: config.deliveryTimeoutMs, httpAgent,
          endpoints, deliveries, metrics, operational, dispatcher, gate, leaseBoundMs: leaseBoundMs(config), log,
        },
      });
      // Its grace time for running attempts is 5 s; an attempt cut short leaves its lease to expire.
      stops.add('the worker', () => worker.stop(), 7000);
      temporal.shareWorkerConnection(worker.connection);
    }

    let apiUrl: string | null = null;
    let routes: string[] = [];
    if (api) {
      const autoDisable = new AutoDisablePass({ db, log, deliveries, endpoints, operational, metrics }, config.autoDisableAfterMs);
      autoDisable.start();
      stops.add('the auto-disable pass', () => autoDisable.stop());
      const sweep = gateSweep(
        { db, dispatcher, deliveries, endpoints, log, deadLettered: (id) => operational.deadLettered(id) },
        { intervalMs: config.dispatchIntervalMs, maxDeliveryAgeMs: config.maxDeliveryAgeMs, openDurationMs: config.circuitOpenMs },
      );
      sweep.start();
      stops.add('the gate sweep', () => sweep.stop());
      const handover = handoverPass({ db, temporal, deliveries, endpoints, log }, config.dispatchIntervalMs);
      handover.start();
      stops.add('the release handover', () => handover.stop());
      const retention = new RetentionPass({ db, log, metrics }, config.retention);
      retention.start();
      stops.add('the retention pass', () => retention.stop());
      const recoveryStarter = recoveryStarterPass({ db, log, recoveries, metrics }, config.dispatchIntervalMs);
      recoveryStarter.start();
      stops.add('the recovery starter', () => recoveryStarter.stop());
      const app = createApp({
        db, log, secretBox, urlPolicy, temporal, deliveries, endpoints, recoveries, startQueue: dispatcher,
        maxConcurrencyPerEndpoint: config.maxConcurrencyPerEndpoint,
        circuitOpenMs: config.circuitOpenMs,
        minRetryWaitMs: config.minRetryWaitMs,
        testWaitMs: attemptTimeoutMs(config),
        publicUrl: config.publicUrl,
        metrics,
        monitor,
        dashboard: {
          temporalUiUrl: config.temporalUiUrl, temporalNamespace: config.temporalNamespace, frameAncestors: config.dashboardFrameAncestors,
        },
      });
      routes = app.routes;
      const server: Server = await listenApi(app, config.port, host);
      stops.add('the API server', () => closeServer(server));
      apiUrl = reachableUrl(host, (server.address() as { port: number }).port);
    }

    return {
      config, db, apiUrl, dispatcher, routes, stop,
      temporalAddress: infra.temporalAddress,
      temporalUiUrl: infra.temporalUiUrl,
      bootstrapApiKey: infra.bootstrapApiKey,
      bootstrapApiKeyGenerated: infra.bootstrapApiKeyGenerated,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
