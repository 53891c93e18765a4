import type { Knex } from 'knex';
import type { PermitRequest } from '../workflows/types';
import { acceptsDeliveries, findWebhookForDelivery } from '../src/db/repositories/webhooks';
import type { EndpointControl } from '../src/temporal/endpointControl';

/**
 * The one activity of the previous release's delivery workflow that the permit queue replaced:
 * kept for one release, so its runs open at an upgrade finish (see workflows/legacy/).
 */
export function createLegacyActivities(deps: { db: Knex; endpoints: EndpointControl }) {
  return {
    /** Its endpoint workflow was not running: start it, then ask by message as it would have. */
    async requestPermit(input: { webhookId: string; tenantId: string; request: PermitRequest }): Promise<boolean> {
      const webhook = await findWebhookForDelivery(deps.db, input.webhookId);
      if (!acceptsDeliveries(webhook)) return false;
      await deps.endpoints.wake({
        webhookId: webhook.id, tenantId: webhook.tenant_id, maxConcurrency: webhook.max_concurrency, rateLimitPerS: webhook.rate_limit_per_s,
        mirroredCircuit: webhook.circuit_state,
      });
      await deps.endpoints.requestByMessage(input.webhookId, input.request);
      return true;
    },
  };
}
