import type { Knex } from 'knex';
import type { endpointWorkflow } from '../workflows';
import { initialGateState, type CircuitState } from '../workflows/gate';
import {
  acquirePermitSignal, endpointWorkflowId, type EndpointSettings, type PermitRequest,
} from '../workflows/messages';
import { TenantIdKey, WebhookIdKey } from '../workflows/searchAttributes';
import type { DeliveryStatus } from '../workflows/statuses';
import { setDeliveryStatus } from '../src/db/repositories/deliveries';
import { findWebhookForDelivery, recordCircuitState } from '../src/db/repositories/webhooks';
import type { TemporalConnector } from '../src/temporal/client';

export interface EndpointDeps {
  db: Knex;
  temporal: TemporalConnector;
  taskQueue: string;
  endpointSettings: EndpointSettings;
}

export function createEndpointActivities(deps: EndpointDeps) {
  return {
    /**
     * Asks the webhook's endpoint workflow for a permit, starting that workflow if it isn't
     * running (signal-with-start: workflows can't do this themselves). False when the webhook
     * is deleted or inactive, so there is nothing to deliver to.
     */
    async requestPermit(input: { webhookId: string; tenantId: string; request: PermitRequest }): Promise<boolean> {
      const webhook = await findWebhookForDelivery(deps.db, input.webhookId);
      if (!webhook || webhook.deleted_at || !webhook.active) return false;
      const client = await deps.temporal.client();
      await client.workflow.signalWithStart<typeof endpointWorkflow, [PermitRequest]>('endpointWorkflow', {
        workflowId: endpointWorkflowId(input.webhookId),
        taskQueue: deps.taskQueue,
        args: [{ webhookId: input.webhookId, tenantId: input.tenantId, settings: deps.endpointSettings, state: initialGateState(webhook.max_concurrency) }],
        signal: acquirePermitSignal,
        signalArgs: [input.request],
        typedSearchAttributes: [{ key: TenantIdKey, value: input.tenantId }, { key: WebhookIdKey, value: input.webhookId }],
      });
      return true;
    },

    async setDeliveryStatus(input: { deliveryId: string; status: DeliveryStatus; error?: string }): Promise<void> {
      await setDeliveryStatus(deps.db, input.deliveryId, input.status, input.error);
    },

    async recordCircuitState(input: { webhookId: string; state: CircuitState; openedAtMs: number | null }): Promise<void> {
      await recordCircuitState(deps.db, input.webhookId, input.state, input.openedAtMs === null ? null : new Date(input.openedAtMs));
    },
  };
}
