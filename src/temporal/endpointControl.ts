import type { WorkflowHandle } from '@temporalio/client';
import type { endpointWorkflowV2 as endpointWorkflow } from '../../workflows';
import { circuitChangedSignal, endpointWorkflowId, resetCircuitSignal } from '../../workflows/messages';
import type { CircuitChange, EndpointWorkflowInput } from '../../workflows/types';
import { TenantIdKey, WebhookIdKey } from '../../workflows/searchAttributes';
import { isWorkflowNotFound, type TemporalConnector } from './client';

const SIGNAL_DEADLINE_MS = 2000;
const ENDPOINT_WORKFLOW_TYPE = 'endpointWorkflowV2';

/** Endpoint workflows have their own task queue (served by every worker, see startWorker). */
export const endpointTaskQueue = (taskQueue: string): string => `${taskQueue}-endpoints`;

/** How endpoint workflows are started: their task queue's base name and the open period. */
export interface EndpointStartOptions {
  taskQueue: string;
  openDurationMs: number;
}

/** The webhook an endpoint workflow runs for. */
export interface EndpointTarget {
  webhookId: string;
  tenantId: string;
}

/**
 * Every client-side call to the endpoint workflow of one webhook (docs/permits.md): the
 * circuit's changes an attempt made, the operator's reset, the end. Signals start the
 * workflow when it does not run (signal-with-start).
 */
export class EndpointControl {
  constructor(private readonly temporal: TemporalConnector, private readonly startOptions: EndpointStartOptions) {}

  private async handle(webhookId: string): Promise<WorkflowHandle<typeof endpointWorkflow>> {
    return (await this.temporal.client()).workflow.getHandle(endpointWorkflowId(webhookId));
  }

  /** An attempt's commit opened the circuit (or a probe closed or reopened it): the workflow keeps the period's timer. */
  async circuitChanged(target: EndpointTarget, change: CircuitChange): Promise<void> {
    const client = await this.temporal.client();
    await client.withDeadline(Date.now() + SIGNAL_DEADLINE_MS, () => client.workflow.signalWithStart<typeof endpointWorkflow, [CircuitChange]>(
      ENDPOINT_WORKFLOW_TYPE, { ...this.options(target, change), signal: circuitChangedSignal, signalArgs: [change] }));
  }

  /** The operator's reset: the endpoint workflow closes the circuit. */
  async resetCircuit(target: EndpointTarget): Promise<void> {
    const client = await this.temporal.client();
    await client.workflow.signalWithStart<typeof endpointWorkflow, []>(
      ENDPOINT_WORKFLOW_TYPE, { ...this.options(target, undefined), signal: resetCircuitSignal, signalArgs: [] });
  }

  /** The webhook is retired: its endpoint workflow ends. False when none ran. */
  async shutdown(webhookId: string): Promise<boolean> {
    try {
      await (await this.handle(webhookId)).cancel();
      return true;
    } catch (err) {
      if (isWorkflowNotFound(err)) return false;
      throw err;
    }
  }

  private options(target: EndpointTarget, circuit: CircuitChange | undefined) {
    const args: [EndpointWorkflowInput] = [{
      webhookId: target.webhookId, tenantId: target.tenantId, openDurationMs: this.startOptions.openDurationMs, ...(circuit ? { circuit } : {}),
    }];
    return {
      workflowId: endpointWorkflowId(target.webhookId),
      taskQueue: endpointTaskQueue(this.startOptions.taskQueue),
      args,
      typedSearchAttributes: [{ key: TenantIdKey, value: target.tenantId }, { key: WebhookIdKey, value: target.webhookId }],
    };
  }
}
