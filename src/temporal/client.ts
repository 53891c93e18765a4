import { Client, Connection, WorkflowNotFoundError, type ConnectionLike } from '@temporalio/client';

/** Raised when Temporal can't be reached; publish then leaves deliveries for the dispatcher. */
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

  /** From now on, calls go through this process's worker connection (owned by the worker). */
  shareWorkerConnection(connection: ConnectionLike): void {
    this.pending = Promise.resolve(new Client({ connection, namespace: this.options.namespace }));
    this.canStartEagerly = true;
  }

  client(): Promise<Client> {
    if (!this.pending) {
      this.pending = Connection.connect({ address: this.options.address, connectTimeout: '2s' }).then(
        (connection) => {
          this.connection = connection;
          return new Client({ connection, namespace: this.options.namespace });
        },
        (err) => {
          this.pending = null;
          throw new TemporalUnavailableError(`Temporal at ${this.options.address} is unreachable: ${(err as Error).message}`);
        },
      );
    }
    return this.pending;
  }

  /** True when Temporal answers a cheap call now. */
  async isReachable(): Promise<boolean> {
    try {
      const client = await this.client();
      await client.workflowService.getSystemInfo({});
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.connection?.close();
    this.connection = null;
    this.pending = null;
    this.canStartEagerly = false;
  }
}

/**
 * True when the workflow asked for does not exist or has closed (for signals). Handles
 * raise WorkflowNotFoundError; some calls surface the bare gRPC NOT_FOUND status (5).
 */
export function isWorkflowNotFound(err: unknown): boolean {
  return err instanceof WorkflowNotFoundError || (err as { code?: number } | null)?.code === 5;
}
