import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { endpointWorkflow } from '../../workflows';
import { initialGateState } from '../../workflows/gate';
import { acquirePermitSignal, endpointWorkflowId, type EndpointSettings, type PermitRequest } from '../../workflows/messages';
import { TenantIdKey, WebhookIdKey } from '../../workflows/searchAttributes';

/** Endpoint workflows have their own task queue (served by every worker, see startWorker). */
export const endpointTaskQueue = (taskQueue: string): string => `${taskQueue}-endpoints`;

export interface PermitTarget {
  webhookId: string;
  tenantId: string;
  maxConcurrency: number;
}

/**
 * Asks a webhook's endpoint workflow for a permit, starting that workflow (with a closed
 * circuit) when it isn't running. A repeated request with the same lease id changes nothing.
 */
export async function requestEndpointPermit(
  client: Client, target: PermitTarget, request: PermitRequest, options: { taskQueue: string; settings: EndpointSettings },
): Promise<void> {
  try {
    // The endpoint workflow usually runs already: a plain signal is the cheaper call.
    await client.workflow.getHandle(endpointWorkflowId(target.webhookId)).signal(acquirePermitSignal, request);
    return;
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  await client.workflow.signalWithStart<typeof endpointWorkflow, [PermitRequest]>('endpointWorkflow', {
    workflowId: endpointWorkflowId(target.webhookId),
    taskQueue: endpointTaskQueue(options.taskQueue),
    // Longer than the 10 s default: on a saturated worker, a timed-out task means a full
    // replay of the endpoint's run, which makes the next task slower still.
    workflowTaskTimeout: '30s',
    args: [{ webhookId: target.webhookId, tenantId: target.tenantId, settings: options.settings, state: initialGateState(target.maxConcurrency) }],
    signal: acquirePermitSignal,
    signalArgs: [request],
    typedSearchAttributes: [{ key: TenantIdKey, value: target.tenantId }, { key: WebhookIdKey, value: target.webhookId }],
  });
}
