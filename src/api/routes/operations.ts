import Router from '@koa/router';
import { retryDelivery } from '../../events/lifecycle';
import type { ApiDeps } from '../deps';
import { circuitJson } from '../serializers';
import { loadWebhook } from './webhooks';

/** Operator actions on a webhook: retry a delivery now, reset the circuit. */
export function operationsRouter(deps: ApiDeps): Router {
  const router = new Router({ prefix: '/webhooks/:webhookId' });

  router.post('/retry/:deliveryId', async (ctx) => {
    const webhook = await loadWebhook(deps, ctx);
    const delivery = await retryDelivery(deps, ctx.state.tenantId, webhook, ctx.params.deliveryId);
    ctx.status = 202;
    ctx.body = { delivery_id: delivery.id, webhook_id: webhook.id, status: 'pending', previous_status: delivery.status, attempt_count: delivery.attempt_count };
  });

  router.post('/circuit/reset', async (ctx) => {
    const webhook = await loadWebhook(deps, ctx);
    await deps.endpoints.resetCircuit(webhook.id);
    ctx.body = { circuit: circuitJson({ ...webhook, circuit_state: 'closed', circuit_opened_at: null }, await deps.endpoints.status(webhook.id)) };
  });

  return router;
}
