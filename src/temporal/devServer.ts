import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Connection } from '@temporalio/client';
import { ALL_SEARCH_ATTRIBUTE_KEYS, SEARCH_ATTRIBUTE_NAMES } from '../../workflows/searchAttributes';
import { resolveTemporalCli } from './temporalBinary';

export interface DevServer {
  address: string;
  uiUrl: string | null;
  /** The server's process id when we spawned it (benchmarks read its CPU time). */
  pid?: number;
  /** Resolves, saying how, when the process ends (never, for a server the SDK runs). */
  exited: Promise<string>;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  port?: number;
  uiPort?: number | null; // null: headless
  namespace?: string;
  dbFile?: string;
  /** Serve the server's Prometheus metrics on this port (benchmarks read them). */
  metricsPort?: number;
  log?: (line: string) => void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function waitForTemporal(address: string, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`Temporal dev server exited with code ${child.exitCode}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: '1s' });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`Temporal at ${address} not reachable after ${timeoutMs} ms: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

// The CLI turns this on so that search attributes created at run time show at once; then
// every start, signal and visibility write re-reads cluster metadata and the namespace from its
// database (about 12 reads per delivery). Ours are registered before it serves.
const DEV_SERVER_TUNING = ['--dynamic-config-value', 'system.forceSearchAttributesCacheRefreshOnRead=false'];

/** Starts `temporal server start-dev` with our search attributes registered. */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const log = options.log ?? (() => {});
  const cli = await resolveTemporalCli(log);
  if (!cli) return startDownloadedServer(options);
  const port = options.port ?? (await freePort());
  const uiPort = options.uiPort === undefined ? port + 1000 : options.uiPort;
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error',
    '--namespace', options.namespace ?? 'default', ...DEV_SERVER_TUNING,
    ...SEARCH_ATTRIBUTE_NAMES.flatMap((name) => ['--search-attribute', `${name}=Keyword`]),
    ...(uiPort === null ? ['--headless'] : ['--ui-port', String(uiPort)]),
    ...(options.dbFile ? ['--db-filename', options.dbFile] : []),
    ...(options.metricsPort ? ['--metrics-port', String(options.metricsPort)] : [])];
  const child = spawn(cli, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  // Never leave an orphaned server behind, whatever way this process ends.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  child.stderr?.on('data', (chunk: Buffer) => log(chunk.toString().trimEnd()));
  const address = `127.0.0.1:${port}`;
  const exited = exitOf(child);
  try {
    // A server that can't bind its port must not pass for ready by answering from another
    // one on that port (an orphan, someone else's): that would adopt a server we did not start.
    await Promise.race([waitForTemporal(address, 60_000, child), bindFailure(child, port)]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    address,
    pid: child.pid,
    uiUrl: uiPort === null ? null : `http://localhost:${uiPort}`,
    exited,
    stop: () => stopChild(child),
  };
}

/** How a child process ended, once it has: "code 1", "signal SIGKILL". */
export function exitOf(child: ChildProcess): Promise<string> {
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `code ${code}`));
  });
}

function bindFailure(child: ChildProcess, port: number): Promise<never> {
  return new Promise((_resolve, reject) => {
    const watch = (chunk: Buffer) => {
      if (!/address already in use/i.test(chunk.toString())) return;
      child.stderr?.off('data', watch);
      reject(new Error(`the Temporal dev server could not bind its ports (${port} and its UI's): address already in use`));
    };
    child.stderr?.on('data', watch);
  });
}

/** SIGTERM (or the given signal), so the server stops its services in order; SIGKILL only if that hangs. */
export function stopChild(child: ChildProcess, graceMs = 5000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill(signal);
  });
}

/** Last resort on machines with internet access: the SDK downloads and runs the dev server. */
async function startDownloadedServer(options: DevServerOptions): Promise<DevServer> {
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      ip: '127.0.0.1',
      port: options.port,
      namespace: options.namespace,
      ui: options.uiPort !== null,
      uiPort: options.uiPort ?? undefined,
      dbFilename: options.dbFile,
      searchAttributes: ALL_SEARCH_ATTRIBUTE_KEYS,
      extraArgs: DEV_SERVER_TUNING,
    },
  });
  const address = env.address;
  return {
    address, uiUrl: options.uiPort ? `http://localhost:${options.uiPort}` : null, exited: new Promise(() => {}), stop: () => env.teardown(),
  };
}
