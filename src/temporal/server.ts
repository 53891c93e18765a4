import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { msToTs } from '@temporalio/common/lib/time';
import { SEARCH_ATTRIBUTE_NAMES } from '../../workflows/searchAttributes';
import { stopChild, waitForTemporal } from './devServer';
import { executableFromEnv, goInstalledBinaries } from './goBinaries';
import { dynamicConfigYaml, serverConfigYaml, serverPorts } from './serverConfig';
import { prepareServerDatabases } from './serverDatabases';

// The production Temporal server (not the CLI's dev server) on Postgres, for benchmarks and
// tests that need its behaviour: history shards, separate services, SQL visibility.

export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
const SERVER_PACKAGE = `go.temporal.io/server/cmd/server@${TEMPORAL_SERVER_VERSION}`;
const SQL_TOOL_PACKAGE = `go.temporal.io/server/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`;
// Benchmarks and tests keep a day (Temporal's floor); docker-compose keeps CONTINUUM_RETENTION's 30 days.
const RETENTION = '1 day';
const GRPC_NOT_FOUND = 5;
const GRPC_ALREADY_EXISTS = 6;

export interface TemporalServer {
  address: string;
  /** Server process id (benchmarks read its CPU time). */
  pid: number;
  /** Prometheus scrape URL of the server. */
  metricsUrl: string;
  namespace: string;
  stop(): Promise<void>;
  /** Stops the server process only: its ports, config and databases stay for `startProcess`. */
  stopProcess(): Promise<void>;
  /** Starts it again as it was (after `stopProcess`), resolving once it serves again. */
  startProcess(): Promise<void>;
}

export interface TemporalServerOptions {
  /** Admin URL of any Postgres: the server's two databases are created there when missing. */
  postgresUrl: string;
  /** Default '': databases `temporal` and `temporal_visibility`. A prefix lets runs share one Postgres. */
  databasePrefix?: string;
  /** Default 4. Fixed when the databases are first set up: reuse them with the same count. */
  historyShards?: number;
  /** Frontend gRPC port; default a free one. */
  port?: number;
  /** Default 'default'. */
  namespace?: string;
  /** Dynamic config values (e.g. `{ 'history.hostLevelCacheMaxSize': 256000 }`). */
  dynamicConfig?: Record<string, string | number | boolean>;
  log?: (line: string) => void;
  /** Where the config files go; default a temp dir removed on stop. */
  workDir?: string;
}

/**
 * The server and its schema tool: TEMPORAL_SERVER_PATH / TEMPORAL_SQL_TOOL_PATH, else the Go
 * bin directory, `go install`ing what is missing. The schema tool carries the schema files
 * of its version, so no source tree is needed.
 */
export async function resolveServerBinaries(log: (line: string) => void = () => {}): Promise<{ server: string; sqlTool: string }> {
  const [server, sqlTool] = await Promise.all([executableFromEnv('TEMPORAL_SERVER_PATH'), executableFromEnv('TEMPORAL_SQL_TOOL_PATH')]);
  if (server && sqlTool) return { server, sqlTool };
  const installed = await goInstalledBinaries([
    { name: 'server', goPackage: SERVER_PACKAGE },
    { name: 'sql', goPackage: SQL_TOOL_PACKAGE },
  ], `the Temporal server ${TEMPORAL_SERVER_VERSION}`, log);
  if (!installed) {
    throw new Error('the Temporal server needs TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH, or a Go toolchain to '
      + `install them (go install ${SERVER_PACKAGE} ${SQL_TOOL_PACKAGE})`);
  }
  return { server: server ?? installed[0], sqlTool: sqlTool ?? installed[1] };
}

export async function startTemporalServer(options: TemporalServerOptions): Promise<TemporalServer> {
  const log = options.log ?? (() => {});
  const namespace = options.namespace ?? 'default';
  const { server, sqlTool } = await resolveServerBinaries(log);
  const { postgres, databases } = await prepareServerDatabases(options.postgresUrl, options.databasePrefix ?? '', sqlTool);

  const workDir = options.workDir ?? (await mkdtemp(path.join(os.tmpdir(), 'temporal-server-')));
  const configDir = path.join(workDir, 'config');
  await mkdir(configDir, { recursive: true });
  let dynamicConfigFile: string | null = null;
  if (options.dynamicConfig) {
    dynamicConfigFile = path.join(configDir, 'dynamicconfig.yaml');
    await writeFile(dynamicConfigFile, dynamicConfigYaml(options.dynamicConfig));
  }
  const ports = await serverPorts(options.port);
  // The server reads <root>/<config>/<env>.yaml; it has no flag for a single file.
  await writeFile(path.join(configDir, 'temporal.yaml'), serverConfigYaml({
    postgres, databases, historyShards: options.historyShards ?? 4, ports, dynamicConfigFile,
  }));

  const address = `127.0.0.1:${ports.frontend}`;
  const removeWorkDir = () => (options.workDir ? Promise.resolve() : rm(workDir, { recursive: true, force: true }));
  const launch = () => launchServer(server, workDir, address, namespace, log, () => {
    if (!options.workDir) rmSync(workDir, { recursive: true, force: true });
  });
  let child = await launch().catch(async (err: unknown) => {
    await removeWorkDir();
    throw err;
  });
  return {
    address, namespace, metricsUrl: `http://127.0.0.1:${ports.metrics}/metrics`,
    get pid() {
      return child.pid as number;
    },
    stop: async () => {
      await stopChild(child, 10_000);
      await removeWorkDir();
    },
    stopProcess: () => stopChild(child, 10_000),
    startProcess: async () => {
      child = await launch();
    },
  };
}

/** Runs the server on the config in `workDir` until it serves `namespace`; kills it if it does not. */
async function launchServer(
  server: string, workDir: string, address: string, namespace: string, log: (line: string) => void, onExitOfThisProcess: () => void,
): Promise<ChildProcess> {
  const child = spawn(server, ['--root', workDir, '--config', 'config', '--env', 'temporal', '--allow-no-auth', 'start'],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  // The temp dir goes too: its config holds the Postgres password.
  killWithThisProcess(child, onExitOfThisProcess);
  const recent: string[] = []; // the last log entries (not stack frames), for the error when it doesn't come up
  child.stderr?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().trimEnd().split('\n')) {
      log(line);
      if (!/^\d{4}-\d\d-\d\dT/.test(line)) continue;
      recent.push(line);
      if (recent.length > 10) recent.shift();
    }
  });
  const spawnFailed = new Promise<never>((_, reject) => child.once('error', reject));
  spawnFailed.catch(() => {}); // only observed through the race below
  try {
    await Promise.race([spawnFailed, waitForTemporal(address, 60_000, child)]);
    await prepareNamespace(address, namespace, 60_000);
  } catch (err) {
    const reason = child.exitCode !== null ? `it exited with code ${child.exitCode}` : (err as Error).message;
    await stopChild(child, 10_000);
    throw new Error(`the Temporal server did not start: ${reason}\n${recent.join('\n')}`);
  }
  return child;
}

const PROBE = 'temporal-server-readiness-probe';
const TASK_QUEUE_TYPE_WORKFLOW = 1;

/**
 * Registers the namespace and our search attributes, then waits until a visibility query on
 * them works: the frontend learns of both through its namespace cache, refreshed every few
 * seconds, and refuses them until then.
 */
async function prepareNamespace(address: string, namespace: string, timeoutMs: number): Promise<void> {
  const connection = await Connection.connect({ address });
  const keyword = encodeSearchAttributeIndexedValueType(SearchAttributeType.KEYWORD)!;
  const steps: Array<() => Promise<unknown>> = [
    () => ignoreCode(GRPC_ALREADY_EXISTS, connection.workflowService.registerNamespace({
      namespace, workflowExecutionRetentionPeriod: msToTs(RETENTION),
    })),
    () => ignoreCode(GRPC_ALREADY_EXISTS, connection.operatorService.addSearchAttributes({
      namespace, searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTE_NAMES.map((name) => [name, keyword])),
    })),
    () => connection.workflowService.listWorkflowExecutions({ namespace, query: 'WebhookId="x"', pageSize: 1 }),
    // The frontend answers before matching and history have joined the membership ring; until
    // then starts are accepted but their tasks fail with "Not enough hosts to serve the request".
    () => connection.workflowService.describeTaskQueue({ namespace, taskQueue: { name: PROBE }, taskQueueType: TASK_QUEUE_TYPE_WORKFLOW }),
    () => ignoreCode(GRPC_NOT_FOUND, connection.workflowService.describeWorkflowExecution({ namespace, execution: { workflowId: PROBE } })),
  ];
  const deadline = Date.now() + timeoutMs;
  try {
    for (const step of steps) {
      for (;;) {
        try {
          await step();
          break;
        } catch (err) {
          if (Date.now() > deadline) throw new Error(`namespace ${namespace} not ready after ${timeoutMs} ms: ${(err as Error).message}`);
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
    }
  } finally {
    await connection.close();
  }
}

/** Awaits a gRPC call, taking the given status code as success. */
async function ignoreCode(code: number, call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (err) {
    if ((err as { code?: number }).code !== code) throw err;
  }
}

const FATAL_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Never leave an orphaned server behind, whatever way this process ends. 'exit' does not fire
 * when a signal ends the process, so those are caught too; when nothing else handles the
 * signal, it is raised again so the process still ends as it would have.
 */
function killWithThisProcess(child: ChildProcess, cleanUp: () => void): void {
  const kill = () => {
    child.kill('SIGKILL');
    cleanUp();
  };
  const onSignal = (signal: NodeJS.Signals) => {
    kill();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  process.once('exit', kill);
  for (const signal of FATAL_SIGNALS) process.once(signal, onSignal);
  child.once('exit', () => {
    process.removeListener('exit', kill);
    for (const signal of FATAL_SIGNALS) process.removeListener(signal, onSignal);
  });
}

