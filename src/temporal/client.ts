import { Client, Connection } from '@temporalio/client';

/** Raised when Temporal can't be reached; publish then leaves deliveries for the dispatcher. */
export class TemporalUnavailableError extends Error {}

/**
 * Connects on first use and reconnects after a failed attempt, so the API can start (and
 * accept events) while Temporal is down.
 */
export class TemporalConnector {
  private pending: Promise<Client> | null = null;
  private connection: Connection | null = null;

  constructor(private readonly options: { address: string; namespace: string }) {}

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
  }
}
