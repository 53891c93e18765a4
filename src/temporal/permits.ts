import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { endpointWorkflow } from '../../workflows';
import { initialGateState } from '../../workflows/gate';
import { acquirePermitsSignal, admitNowUpdate, endpointWorkflowId, releasePermitsSignal } from '../../workflows/messages';
import type { EndpointSettings, PermitGrant, PermitRequest } from '../../workflows/types';
import { TenantIdKey, WebhookIdKey } from '../../workflows/searchAttributes';

/** Endpoint workflows have their own task queue (served by every worker, see startWorker). */
export const endpointTaskQueue = (taskQueue: string): string => `${taskQueue}-endpoints`;

export interface PermitTarget {
  webhookId: string;
  tenantId: string;
  maxConcurrency: number;
}

/**
 * Asks a webhook's endpoint workflow for permits (one signal for them all), starting that
 * workflow (with a closed circuit) when it isn't running. A repeated request with the same
 * lease id changes nothing.
 */
export async function requestEndpointPermits(
  client: Client, target: PermitTarget, requests: PermitRequest[], options: { taskQueue: string; settings: EndpointSettings },
): Promise<void> {
  if (requests.length === 0) return;
  try {
    // The endpoint workflow usually runs already: a plain signal is the cheaper call.
    await client.workflow.getHandle(endpointWorkflowId(target.webhookId)).signal(acquirePermitsSignal, requests);
    return;
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  await client.workflow.signalWithStart<typeof endpointWorkflow, [PermitRequest[]]>('endpointWorkflow', {
    workflowId: endpointWorkflowId(target.webhookId),
    taskQueue: endpointTaskQueue(options.taskQueue),
    // Longer than the 10 s default: on a saturated worker, a timed-out task means a full
    // replay of the endpoint's run, which makes the next task slower still.
    workflowTaskTimeout: '30s',
    args: [{ webhookId: target.webhookId, tenantId: target.tenantId, settings: options.settings, state: initialGateState(target.maxConcurrency) }],
    signal: acquirePermitsSignal,
    signalArgs: [requests],
    typedSearchAttributes: [{ key: TenantIdKey, value: target.tenantId }, { key: WebhookIdKey, value: target.webhookId }],
  });
}

/** One permit request (see requestEndpointPermits). */
export function requestEndpointPermit(
  client: Client, target: PermitTarget, request: PermitRequest, options: { taskQueue: string; settings: EndpointSettings },
): Promise<void> {
  return requestEndpointPermits(client, target, [request], options);
}

/**
 * Permits the endpoint workflow grants these requests right now (nobody waits ahead of them),
 * by lease id; none when it isn't running or doesn't answer (they then ask the usual way).
 */
export async function admitNow(client: Client, webhookId: string, requests: PermitRequest[]): Promise<Map<string, PermitGrant>> {
  try {
    const grants = await client.workflow.getHandle(endpointWorkflowId(webhookId)).executeUpdate(admitNowUpdate, { args: [requests] });
    return new Map(grants.map((g) => [g.leaseId, g]));
  } catch {
    return new Map();
  }
}

/** Gives back permits granted by admitNow whose delivery could not be started. */
export async function returnPermits(client: Client, webhookId: string, leaseIds: string[]): Promise<void> {
  if (leaseIds.length === 0) return;
  await client.workflow.getHandle(endpointWorkflowId(webhookId)).signal(releasePermitsSignal, leaseIds.map((leaseId) => ({ leaseId, outcome: 'none' as const })))
    .catch(() => {}); // unreturned, a lease expires (leaseTimeoutMs)
}
