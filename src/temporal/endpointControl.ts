import type { WorkflowHandle } from '@temporalio/client';
import type { endpointWorkflow } from '../../workflows';
import { initialGateState } from '../../workflows/permits/gate';
import { endpointWorkflowId } from '../../workflows/messages';
import {
  acquirePermitSignal, configureEndpointSignal, endpointStatusQuery, releasePermitsSignal, resetCircuitSignal, returnPermitBlockSignal,
  shutdownEndpointSignal, wakeSignal,
} from '../../workflows/permits/messages';
import type { BlockReturn } from '../../workflows/permits/gateState';
import type { CircuitState, EndpointLimits, EndpointSettings, EndpointStatus, PermitRelease, PermitRequest } from '../../workflows/types';
import type { WakeInfo } from '../../workflows/permits/types';
import { TenantIdKey, WebhookIdKey } from '../../workflows/searchAttributes';
import { isWorkflowNotFound, isWorkflowRunning, type TemporalConnector } from './client';

const QUERY_DEADLINE_MS = 3000;
const SIGNAL_DEADLINE_MS = 2000;

/** Endpoint workflows have their own task queue (served by every worker, see startWorker). */
export const endpointTaskQueue = (taskQueue: string): string => `${taskQueue}-endpoints`;

/** The webhook an endpoint workflow is started for, when a wake starts it. */
export interface WakeTarget {
  webhookId: string;
  tenantId: string;
  maxConcurrency: number;
  /** Its rate limit (permits per second), or null for none. */
  rateLimitPerS: number | null;
  /** The circuit as Postgres mirrors it: the endpoint workflow corrects it when it differs. */
  mirroredCircuit?: CircuitState;
}

/** How endpoint workflows are started: their task queue's base name and gate settings. */
export interface EndpointStartOptions {
  taskQueue: string;
  settings: EndpointSettings;
}

/**
 * Every client-side call to the endpoint workflow of one webhook: wake, status, signals,
 * releases. A missing workflow is not an error (false, null or nothing); a wake starts it.
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

  /** Gives a block of permits back (throws when the workflow can't have it, or Temporal does not answer in time). */
  async returnPermitBlock(webhookId: string, back: BlockReturn): Promise<void> {
    await this.signalBounded(webhookId, (h) => h.signal(returnPermitBlockSignal, back));
  }

  /** Gives permits back with their outcomes, in order (throws when the workflow can't have them). */
  async releasePermits(webhookId: string, releases: PermitRelease[]): Promise<void> {
    await this.signalBounded(webhookId, (h) => h.signal(releasePermitsSignal, releases));
  }

  /** Fire-and-forget traffic is bounded: no call keeps retrying inside the SDK past a process's stop. */
  private async signalBounded(webhookId: string, send: (h: WorkflowHandle<typeof endpointWorkflow>) => Promise<void>): Promise<void> {
    const client = await this.temporal.client();
    const handle = await this.handle(webhookId);
    await client.withDeadline(Date.now() + SIGNAL_DEADLINE_MS, () => send(handle));
  }

  /**
   * Rows wait in this endpoint's queue: signal-with-start, so an endpoint workflow that ended
   * idle (or never ran) starts, with a closed circuit and the webhook's limits.
   */
  async wake(target: WakeTarget): Promise<void> {
    const { taskQueue, settings } = this.startOptions;
    const client = await this.temporal.client();
    const info: WakeInfo = target.mirroredCircuit ? { mirroredCircuit: target.mirroredCircuit } : {};
    await client.workflow.signalWithStart<typeof endpointWorkflow, [WakeInfo?]>('endpointWorkflow', {
      workflowId: endpointWorkflowId(target.webhookId),
      taskQueue: endpointTaskQueue(taskQueue),
      // Longer than the 10 s default: on a saturated worker, a timed-out task means a full
      // replay of the endpoint's run, which makes the next task slower still.
      workflowTaskTimeout: '30s',
      args: [{
        webhookId: target.webhookId, tenantId: target.tenantId, settings, state: initialGateState(target.maxConcurrency, target.rateLimitPerS),
      }],
      signal: wakeSignal,
      signalArgs: [info],
      typedSearchAttributes: [{ key: TenantIdKey, value: target.tenantId }, { key: WebhookIdKey, value: target.webhookId }],
    });
  }

  /** (Previous release) a delivery's permit request by message. */
  async requestByMessage(webhookId: string, request: PermitRequest): Promise<void> {
    await (await this.handle(webhookId)).signal(acquirePermitSignal, request);
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
}
