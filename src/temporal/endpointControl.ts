import type { WorkflowHandle } from '@temporalio/client';
import type { endpointWorkflow } from '../../workflows';
import { initialGateState } from '../../workflows/gate';
import {
  acquirePermitsSignal, admitNowUpdate, configureEndpointSignal, endpointStatusQuery, endpointWorkflowId, releasePermitsSignal,
  resetCircuitSignal, shutdownEndpointSignal,
} from '../../workflows/messages';
import type { EndpointLimits, EndpointSettings, EndpointStatus, PermitGrant, PermitRelease, PermitRequest } from '../../workflows/types';
import { TenantIdKey, WebhookIdKey } from '../../workflows/searchAttributes';
import { isWorkflowNotFound, isWorkflowRunning, type TemporalConnector } from './client';

const QUERY_DEADLINE_MS = 3000;

/** Endpoint workflows have their own task queue (served by every worker, see startWorker). */
export const endpointTaskQueue = (taskQueue: string): string => `${taskQueue}-endpoints`;

/** The webhook an endpoint workflow is started for, when a permit request starts it. */
export interface PermitTarget {
  webhookId: string;
  tenantId: string;
  maxConcurrency: number;
  /** Its rate limit (permits per second), or null for none. */
  rateLimitPerS: number | null;
}

/** How endpoint workflows are started: their task queue's base name and gate settings. */
export interface EndpointStartOptions {
  taskQueue: string;
  settings: EndpointSettings;
}

/**
 * Every client-side call to the endpoint workflow of one webhook: status, signals, permits.
 * A missing workflow is not an error (false, null or nothing); permit requests start it.
 */
export class EndpointControl {
  constructor(private readonly temporal: TemporalConnector, private readonly startOptions: EndpointStartOptions) {}

  private async handle(webhookId: string): Promise<WorkflowHandle<typeof endpointWorkflow>> {
    return (await this.temporal.client()).workflow.getHandle(endpointWorkflowId(webhookId));
  }

  /** The live circuit and gate, or null when no endpoint workflow runs (or it can't answer now). */
  async status(webhookId: string): Promise<EndpointStatus | null> {
    try {
      const client = await this.temporal.client();
      const handle = await this.handle(webhookId);
      return await client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query(endpointStatusQuery));
    } catch {
      return null;
    }
  }

  /** True while the webhook's endpoint workflow runs; false when it was never started or ended. */
  async isRunning(webhookId: string): Promise<boolean> {
    return isWorkflowRunning(await this.handle(webhookId));
  }

  resetCircuit(webhookId: string): Promise<boolean> {
    return this.signalIfRunning(webhookId, (h) => h.signal(resetCircuitSignal));
  }

  /** New limits for a running endpoint workflow (one not running reads them when it starts). */
  configure(webhookId: string, limits: EndpointLimits): Promise<boolean> {
    return this.signalIfRunning(webhookId, (h) => h.signal(configureEndpointSignal, limits));
  }

  shutdown(webhookId: string): Promise<boolean> {
    return this.signalIfRunning(webhookId, (h) => h.signal(shutdownEndpointSignal));
  }

  /**
   * Asks the endpoint workflow for permits (one signal for them all), starting it (with a
   * closed circuit) when it isn't running. A repeated request with the same lease id changes nothing.
   */
  async requestPermits(target: PermitTarget, requests: PermitRequest[]): Promise<void> {
    if (requests.length === 0) return;
    // The endpoint workflow usually runs already: a plain signal is the cheaper call.
    if (await this.signalIfRunning(target.webhookId, (h) => h.signal(acquirePermitsSignal, requests))) return;
    await this.startWithRequests(target, requests);
  }

  /** Gives permits back with their outcomes, in order (throws when the workflow can't have them). */
  async releasePermits(webhookId: string, releases: PermitRelease[]): Promise<void> {
    await (await this.handle(webhookId)).signal(releasePermitsSignal, releases);
  }

  /**
   * Permits the endpoint workflow grants these requests right now (nobody waits ahead of them),
   * by lease id; none when it isn't running or doesn't answer (they then ask the usual way).
   */
  async admitNow(webhookId: string, requests: PermitRequest[]): Promise<Map<string, PermitGrant>> {
    try {
      const grants = await (await this.handle(webhookId)).executeUpdate(admitNowUpdate, { args: [requests] });
      return new Map(grants.map((g) => [g.leaseId, g]));
    } catch {
      return new Map();
    }
  }

  /** Gives back permits granted by admitNow whose delivery could not be started. */
  async returnPermits(webhookId: string, leaseIds: string[]): Promise<void> {
    if (leaseIds.length === 0) return;
    const releases = leaseIds.map((leaseId) => ({ leaseId, outcome: 'none' as const }));
    await (await this.handle(webhookId)).signal(releasePermitsSignal, releases)
      .catch(() => {}); // unreturned, a lease expires (leaseTimeoutMs)
  }

  private async signalIfRunning(webhookId: string, send: (h: WorkflowHandle<typeof endpointWorkflow>) => Promise<void>): Promise<boolean> {
    try {
      await send(await this.handle(webhookId));
      return true;
    } catch (err) {
      if (isWorkflowNotFound(err)) return false;
      throw err;
    }
  }

  private async startWithRequests(target: PermitTarget, requests: PermitRequest[]): Promise<void> {
    const { taskQueue, settings } = this.startOptions;
    const client = await this.temporal.client();
    await client.workflow.signalWithStart<typeof endpointWorkflow, [PermitRequest[]]>('endpointWorkflow', {
      workflowId: endpointWorkflowId(target.webhookId),
      taskQueue: endpointTaskQueue(taskQueue),
      // Longer than the 10 s default: on a saturated worker, a timed-out task means a full
      // replay of the endpoint's run, which makes the next task slower still.
      workflowTaskTimeout: '30s',
      args: [{ webhookId: target.webhookId, tenantId: target.tenantId, settings, state: initialGateState(target.maxConcurrency, target.rateLimitPerS) }],
      signal: acquirePermitsSignal,
      signalArgs: [requests],
      typedSearchAttributes: [{ key: TenantIdKey, value: target.tenantId }, { key: WebhookIdKey, value: target.webhookId }],
    });
  }
}
