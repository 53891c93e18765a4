import Router from '@koa/router';
import { ConflictError } from '../../errors';
import { sendTestEvent } from '../../events/publish';
import { retryDelivery } from '../../webhooks/lifecycle';
import { rotateWebhookSecret } from '../../webhooks/webhooks';
import type { ApiDeps } from '../deps';
import { webhookOf } from '../middleware/params';
import { validate } from '../middleware/validate';
import { filterTestSchema, type FilterTestBody } from '../filterSchema';
import { explainFilter } from '../../events/filters';
import { webhookJson } from '../serializers';
import { loadCircuit } from '../circuit';

/** Actions on a webhook (loaded by loadWebhookParam): retry a delivery now, test its filter, reset the circuit, send a test, rotate the secret. */
export function operationsRouter(deps: ApiDeps): Router {
  const router = new Router({ prefix: '/webhooks/:webhookId' });

  router.post('/retry/:deliveryId', async (ctx) => {
    const webhook = webhookOf(ctx);
    const delivery = await retryDelivery(deps, ctx.state.tenantId, webhook, ctx.params.deliveryId);
    ctx.status = 202;
    ctx.body = { delivery_id: delivery.id, webhook_id: webhook.id, status: 'pending', previous_status: delivery.status, attempt_count: delivery.attempt_count };
  });

  router.post('/filter/test', validate({ body: filterTestSchema }), (ctx) => {
    const sample = ctx.state.body as FilterTestBody;
    const filter = webhookOf(ctx).filter ?? null;
    ctx.body = { filter, ...explainFilter(filter, sample) };
  });

  router.post('/circuit/reset', async (ctx) => {
    const webhook = webhookOf(ctx);
    await deps.endpoints.resetCircuit({ webhookId: webhook.id, tenantId: webhook.tenant_id });
    ctx.body = { circuit: await loadCircuit(deps, { ...webhook, circuit_state: 'closed', circuit_opened_at: null, circuit_failures: 0 }) };
  });

  router.post('/test', async (ctx) => {
    const webhook = webhookOf(ctx);
    if (!webhook.active) throw new ConflictError('webhook is inactive: activate it before testing it');
    const sent = await sendTestEvent(deps, ctx.state.tenantId, webhook.id, deps.testWaitMs);
    const r = sent.result;
    // Still waiting (circuit open, endpoint busy): 202, and the delivery can be followed.
    ctx.status = r ? 200 : 202;
    ctx.body = {
      delivery_id: sent.deliveryId,
      event_id: sent.eventId,
      status: r?.status ?? 'pending',
      success: r ? r.status === 'succeeded' : null,
      status_code: r?.statusCode ?? null,
      duration_ms: r?.durationMs ?? null,
      error: r?.error ?? null,
    };
  });

  router.post('/secret/rotate', async (ctx) => {
    const { row, secret, previousExpiresAt } = await rotateWebhookSecret(deps, ctx.state.tenantId, webhookOf(ctx).id);
    ctx.body = { ...webhookJson(row, secret), previous_secret_expires_at: previousExpiresAt.toISOString() };
  });

  return router;
}
