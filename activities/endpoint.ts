import type { Knex } from 'knex';
import type { CircuitState } from '../workflows/gate';
import type { EndpointSettings, PermitRequest } from '../workflows/messages';
import type { DeliveryStatus } from '../workflows/statuses';
import { setDeliveryStatus } from '../src/db/repositories/deliveries';
import { findWebhookForDelivery, recordCircuitState } from '../src/db/repositories/webhooks';
import type { TemporalConnector } from '../src/temporal/client';
import { requestEndpointPermit } from '../src/temporal/permits';

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
      const target = { webhookId: input.webhookId, tenantId: input.tenantId, maxConcurrency: webhook.max_concurrency };
      await requestEndpointPermit(await deps.temporal.client(), target, input.request, { taskQueue: deps.taskQueue, settings: deps.endpointSettings });
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
