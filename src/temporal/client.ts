import { connect } from 'node:net';
import { Client, Connection, WorkflowNotFoundError, type ConnectionLike, type WorkflowHandle } from '@temporalio/client';
import { activeTracing } from '../tracing';

/** Raised when Temporal can't be reached; publish's rows then wait for the sweep to wake their endpoint. */
export class TemporalUnavailableError extends Error {}

/**
 * Connects on first use and reconnects after a failed attempt, so the API can start (and
 * accept events) while Temporal is down.
 */
export class TemporalConnector {
  private pending: Promise<Client> | null = null;
  private connection: Connection | null = null;
  /** True when the client shares a worker's connection in this process: then a new workflow's
   *  first task can come back in the start response (eager start), skipping a dispatch. */
  canStartEagerly = false;

  constructor(private readonly options: { address: string; namespace: string }) {}

  private newClient(connection: ConnectionLike): Client {
    // A query to a closed workflow (an endpoint workflow that ended when its webhook was
    // deactivated) is refused rather than answered from its last state: callers fall back to
    // what Postgres knows, which a re-enabled webhook has reset.
    // Tracing on: starts of delivery workflows carry the trace (src/tracing/temporal.ts).
    const interceptors = activeTracing()?.clientInterceptors;
    return new Client({
      connection, namespace: this.options.namespace, workflow: { queryRejectCondition: 'NOT_OPEN' }, ...(interceptors ? { interceptors: { workflow: interceptors } } : {}),
    });
  }

  /** From now on, calls go through this process's worker connection (owned by the worker). */
  shareWorkerConnection(connection: ConnectionLike): void {
    this.pending = Promise.resolve(this.newClient(connection));
    this.canStartEagerly = true;
  }

  client(): Promise<Client> {
    if (!this.pending) {
      this.pending = Connection.connect({ address: this.options.address, connectTimeout: '2s' }).then(
        (connection) => {
          this.connection = connection;
          return this.newClient(connection);
        },
        (err) => {
          this.pending = null;
          throw new TemporalUnavailableError(`Temporal at ${this.options.address} is unreachable: ${(err as Error).message}`);
        },
      );
    }
    return this.pending;
  }

  /** Resolves when Temporal answers a cheap call within `timeoutMs`; rejects otherwise (no retries past it). */
  async ping(timeoutMs: number): Promise<void> {
    // The SDK retries a call while the server is away; a refused connection must fail at once.
    await assertAcceptsConnections(this.options.address, timeoutMs);
    const client = await this.client();
    await client.connection.withDeadline(Date.now() + timeoutMs, () => client.workflowService.getSystemInfo({}));
  }

  async close(): Promise<void> {
    await this.connection?.close();
    this.connection = null;
    this.pending = null;
    this.canStartEagerly = false;
  }
}

/** Rejects unless something accepts a TCP connection at host:port within `timeoutMs`. */
function assertAcceptsConnections(address: string, timeoutMs: number): Promise<void> {
  const { hostname, port } = new URL(`tcp://${address}`);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port), timeout: timeoutMs });
    const fail = (reason: string) => {
      socket.destroy();
      reject(new TemporalUnavailableError(`Temporal at ${address}: ${reason}`));
    };
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
    socket.once('timeout', () => fail(`no connection within ${timeoutMs} ms`));
    socket.once('error', (err) => fail(err.message));
  });
}

const GRPC_UNAVAILABLE = 14;
const CONNECTION_TROUBLE = /tcp connect error|transport error|connection refused|broken pipe|connection reset|dns error|UNAVAILABLE/i;

/**
 * True for errors that mean "Temporal can't be reached" (our own, a gRPC UNAVAILABLE, a
 * transport failure), as opposed to a refusal Temporal answered with. Looks through causes.
 */
export function isTemporalUnavailable(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | null, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e instanceof TemporalUnavailableError || e.code === GRPC_UNAVAILABLE) return true;
    if (typeof e.message === 'string' && CONNECTION_TROUBLE.test(e.message)) return true;
  }
  return false;
}

/**
 * True when the workflow asked for does not exist or has closed (for signals). Handles
 * raise WorkflowNotFoundError; some calls surface the bare gRPC NOT_FOUND status (5).
 */
export function isWorkflowNotFound(err: unknown): boolean {
  return err instanceof WorkflowNotFoundError || (err as { code?: number } | null)?.code === 5;
}

/** True while the workflow's latest run is running; false when it ended or never started. */
export async function isWorkflowRunning(handle: WorkflowHandle): Promise<boolean> {
  try {
    return (await handle.describe()).status.name === 'RUNNING';
  } catch (err) {
    if (isWorkflowNotFound(err)) return false;
    throw err;
  }
}
