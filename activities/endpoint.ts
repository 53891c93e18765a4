import type { Knex } from 'knex';
import type { CircuitState, DeliveryNotice, DeliveryStatus, PermitRequest } from '../workflows/types';
import { setDeliveryStatus } from '../src/db/repositories/deliveries';
import { acceptsDeliveries, findWebhookForDelivery } from '../src/db/repositories/webhooks';
import type { OperationalEvents } from '../src/events/operational';
import type { DeliveryControl } from '../src/temporal/deliveryControl';
import type { EndpointControl } from '../src/temporal/endpointControl';
import type { Metrics } from '../src/metrics';

export interface EndpointDeps {
  db: Knex;
  /** The endpoint workflows' client-side control (permit requests start them). */
  endpoints: EndpointControl;
  /** The delivery workflows' client-side control (the endpoint's notices go through it). */
  deliveries: DeliveryControl;
  /** Circuit changes and dead letters are reported through it (operational events). */
  operational: OperationalEvents;
  metrics?: Metrics;
}

/** Signals sent at once by one notifyDeliveries call (a queue of thousands can be told at once). */
const NOTICE_BATCH = 50;

export function createEndpointActivities(deps: EndpointDeps) {
  const { endpoints, deliveries } = deps;
  return {
    /**
     * Asks the webhook's endpoint workflow for a permit, starting that workflow if it isn't
     * running (signal-with-start: workflows can't do this themselves). False when the webhook
     * is deleted or inactive, so there is nothing to deliver to.
     */
    async requestPermit(input: { webhookId: string; tenantId: string; request: PermitRequest }): Promise<boolean> {
      const webhook = await findWebhookForDelivery(deps.db, input.webhookId);
      if (!acceptsDeliveries(webhook)) return false;
      const target = { webhookId: input.webhookId, tenantId: input.tenantId, maxConcurrency: webhook.max_concurrency, rateLimitPerS: webhook.rate_limit_per_s };
      await endpoints.requestPermits(target, [input.request]);
      return true;
    },

    /**
     * Sends the endpoint workflow's notices to their deliveries, a batch per call (run as a
     * local activity: no history events per notice on the endpoint). Returns the lease ids
     * whose delivery no longer runs. Repeating a notice is harmless: a delivery ignores a
     * grant it already holds and hands back one it no longer wants.
     */
    async notifyDeliveries(input: { notices: DeliveryNotice[]; rateDelayed?: number }): Promise<string[]> {
      if (input.rateDelayed) deps.metrics?.permitsRateDelayed.inc(input.rateDelayed);
      const gone: string[] = [];
      for (let i = 0; i < input.notices.length; i += NOTICE_BATCH) {
        await Promise.all(input.notices.slice(i, i + NOTICE_BATCH).map(async (notice) => {
          if (!(await deliveries.notify(notice))) gone.push(notice.leaseId);
        }));
      }
      return gone;
    },

    async setDeliveryStatus(input: { deliveryId: string; status: DeliveryStatus; error?: string }): Promise<void> {
      await setDeliveryStatus(deps.db, input.deliveryId, input.status, input.error);
      // A delivery that waited past its age limit is dead-lettered here (the others by their last attempt).
      if (input.status === 'dead_lettered') await deps.operational.deadLettered(input.deliveryId);
    },

    /** Mirrors the circuit in the webhook row and emits webhook.circuit_opened / circuit_closed when due. */
    async recordCircuitState(input: { webhookId: string; state: CircuitState; openedAtMs: number | null }): Promise<void> {
      await deps.operational.circuitChanged(input.webhookId, input.state, input.openedAtMs === null ? null : new Date(input.openedAtMs));
    },
  };
}
