import { configureEndpointSignal, endpointStatusQuery, endpointWorkflowId, resetCircuitSignal, shutdownEndpointSignal } from '../../workflows/messages';
import type { EndpointStatus } from '../../workflows/types';
import type { TemporalConnector } from './client';

const QUERY_DEADLINE_MS = 3000;

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; code?: number };
  return e?.name === 'WorkflowNotFoundError' || e?.code === 5;
}

/** Calls from the API to the endpoint workflow of one webhook. A missing workflow is not an error. */
export class EndpointControl {
  constructor(private readonly temporal: TemporalConnector) {}

  private async handle(webhookId: string) {
    return (await this.temporal.client()).workflow.getHandle(endpointWorkflowId(webhookId));
  }

  /** The live circuit and gate, or null when no endpoint workflow runs (or it can't answer now). */
  async status(webhookId: string): Promise<EndpointStatus | null> {
    try {
      const client = await this.temporal.client();
      const handle = client.workflow.getHandle(endpointWorkflowId(webhookId));
      return await client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query(endpointStatusQuery));
    } catch {
      return null;
    }
  }

  private async signalIfRunning(webhookId: string, send: (h: Awaited<ReturnType<EndpointControl['handle']>>) => Promise<void>): Promise<boolean> {
    try {
      await send(await this.handle(webhookId));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** True while the webhook's endpoint workflow runs; false when it was never started or ended. */
  async isRunning(webhookId: string): Promise<boolean> {
    try {
      const description = await (await this.handle(webhookId)).describe();
      return description.status.name === 'RUNNING';
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  resetCircuit(webhookId: string): Promise<boolean> {
    return this.signalIfRunning(webhookId, (h) => h.signal(resetCircuitSignal));
  }

  configure(webhookId: string, maxConcurrency: number): Promise<boolean> {
    return this.signalIfRunning(webhookId, (h) => h.signal(configureEndpointSignal, { maxConcurrency }));
  }

  shutdown(webhookId: string): Promise<boolean> {
    return this.signalIfRunning(webhookId, (h) => h.signal(shutdownEndpointSignal));
  }
}
