import { makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import path from 'node:path';
import { ConfigError, loadConfig, StartupError, type Config } from './config';
import { DependencyMonitor } from './infra/dependencyMonitor';
import { createLogger, type Logger } from './log';
import { startSystem, type Role, type RunningSystem } from './system';
import { sdkLogger } from './temporal/sdkLogger';
import { startTracing, stopTracing } from './tracing';

const ROLES: Record<string, Role[]> = { all: ['api', 'worker'], api: ['api'], worker: ['worker'] };
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** A stop that takes longer than this (a hung worker shutdown) ends the process anyway. */
const STOP_DEADLINE_MS = 15_000;

function banner(lines: string[]): void {
  process.stdout.write(`\n${lines.map((line) => `  ${line}`).join('\n')}\n\n`);
}

function bannerLines(roleName: string, config: Config, system: RunningSystem): string[] {
  const lines = [`Continuum Webhooks is running (${roleName})`];
  if (system.apiUrl) lines.push(`Dashboard:       ${system.apiUrl}/`, `API:             ${system.apiUrl}/api/v1`);
  lines.push(`Temporal:        ${system.temporalAddress}`);
  if (system.temporalUiUrl) lines.push(`Temporal Web UI: ${system.temporalUiUrl}`);
  // A key the operator supplied is a credential of theirs: never echoed. Only the key
  // generated for the dev setup is shown (it is also in the data directory).
  if (system.apiUrl && system.bootstrapApiKey) {
    lines.push(system.bootstrapApiKeyGenerated
      ? `API key (tenant ${config.bootstrapTenant}): ${system.bootstrapApiKey}  (also in ${path.join(config.dataDir, 'api-key')})`
      : `API key (tenant ${config.bootstrapTenant}): the one in CONTINUUM_BOOTSTRAP_API_KEY`);
  }
  return lines;
}

/**
 * SIGINT, SIGTERM and SIGHUP stop everything this process started, in order, from the first
 * moment on; so does the returned function, with its exit code. A second signal, or a stop
 * past the deadline, exits at once; the exit hooks of the children (SIGKILL for the Temporal
 * dev server, fast shutdown for Postgres) still run.
 */
function handleStopSignals(log: Logger, current: () => RunningSystem | null): (reason: string, exitCode: number) => void {
  let stopping = false;
  const shutdown = (signal: string, exitCode = 0) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting at once');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'stopping');
    setTimeout(() => {
      log.error(`stop took longer than ${STOP_DEADLINE_MS} ms: exiting at once`);
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    const system = current();
    // Still starting: exiting runs the children's exit hooks; the run record covers the rest.
    if (!system) process.exit(1);
    // Spans still buffered go out once everything that makes them has stopped.
    system.stop().then(stopTracing).then(() => process.exit(exitCode), () => process.exit(1));
  };
  for (const signal of STOP_SIGNALS) process.on(signal, () => shutdown(signal));
  return shutdown;
}

/** Entry point: `node dist/src/main.js [all|api|worker]` (default all). */
export async function run(argv = process.argv.slice(2)): Promise<void> {
  const roleName = argv[0] ?? 'all';
  const roles = ROLES[roleName];
  if (!roles) throw new ConfigError(`unknown role "${roleName}": use all, api or worker`);
  const config = loadConfig();
  if (roleName !== 'all' && (!config.databaseUrl || !config.temporalAddress)) {
    throw new ConfigError(`the ${roleName} role needs DATABASE_URL and TEMPORAL_ADDRESS (only "all" starts local ones)`);
  }
  // Failures of an absent Postgres or Temporal are summarized by the monitor, not logged one by one.
  const monitor = new DependencyMonitor(config.dependencyChecks);
  const log = createLogger(config.logLevel, undefined, monitor);
  let system: RunningSystem | null = null;
  const stopAndExit = handleStopSignals(log, () => system);
  const sdkLevel = config.logLevel === 'debug' ? 'INFO' : 'WARN';
  // The SDK's native core logs (its gRPC retry warnings among them) come through the same
  // logger, so the dependency monitor summarizes them during an outage.
  Runtime.install({
    logger: sdkLogger(log, sdkLevel),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: sdkLevel, other: sdkLevel }), forward: {} } },
  });
  for (const warning of config.warnings) log.warn(warning);
  // Before the system starts: its Temporal client and worker take their interceptors from it.
  if (await startTracing(config.otlpEndpoint)) log.info('tracing: exporting traces to OTEL_EXPORTER_OTLP_ENDPOINT');
  if (config.allowHttp || config.allowPrivateTargets) {
    log.warn({ allowHttp: config.allowHttp, allowPrivateTargets: config.allowPrivateTargets },
      'development mode: http:// and/or private/loopback webhook targets are allowed; never use this in production');
  }
  system = await startSystem(config, {
    roles, log, monitor,
    // A server we started is gone for good: stop the rest and exit non-zero, naming it.
    onDependencyLost: (err) => {
      log.error({ dependency: 'local server' }, err.message);
      process.stderr.write(`${err.message}\n`);
      stopAndExit('dependency lost', 1);
    },
  });
  banner(bannerLines(roleName, config, system));
}

/** What a failed start prints: the reason alone when the operator can fix it. Never throws. */
export function describeStartupFailure(err: unknown): string {
  try {
    if (err instanceof StartupError) return err.message;
    if (err instanceof Error) return `start-up failed: ${err.stack ?? err.message}`;
    return `start-up failed: ${String(err)}`;
  } catch {
    return 'start-up failed (the error could not be described)';
  }
}

if (require.main === module) {
  run().catch((err: unknown) => {
    process.stderr.write(`${describeStartupFailure(err)}\n`);
    process.exit(1);
  });
}
