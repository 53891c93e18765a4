import Router from '@koa/router';
import { findDelivery } from '../../db/repositories/deliveries';
import { listAttempts, listDeliveries, webhookStats } from '../../db/repositories/history';
import { NotFoundError } from '../../errors';
import type { ApiDeps } from '../deps';
import { webhookOf } from '../middleware/params';
import { validate } from '../middleware/validate';
import { timeseriesRange, webhookTimeseries } from '../../db/repositories/timeseries';
import { listDeliveriesQuery, timeseriesQuery, type ListDeliveriesQuery, type TimeseriesQuery } from '../schemas';
import { attemptJson, deliveryJson } from '../serializers';

/** A webhook's delivery history and statistics (the webhook is loaded by loadWebhookParam). */
export function deliveriesRouter(deps: ApiDeps): Router {
  const router = new Router({ prefix: '/webhooks/:webhookId' });

  router.get('/deliveries', validate({ query: listDeliveriesQuery }), async (ctx) => {
    const webhook = webhookOf(ctx);
    const query = ctx.state.query as ListDeliveriesQuery;
    const page = await listDeliveries(deps.db, ctx.state.tenantId, webhook.id, query);
    ctx.body = { data: page.rows.map(deliveryJson), total: page.total, limit: query.limit, offset: query.offset };
  });

  router.get('/deliveries/:deliveryId', async (ctx) => {
    const webhook = webhookOf(ctx);
    const delivery = await findDelivery(deps.db, ctx.state.tenantId, webhook.id, ctx.params.deliveryId);
    if (!delivery) throw new NotFoundError('delivery', ctx.params.deliveryId);
    const attempts = await listAttempts(deps.db, delivery.id);
    ctx.body = { ...deliveryJson(delivery), attempts: attempts.map(attemptJson) };
  });

  router.get('/stats', async (ctx) => {
    const webhook = webhookOf(ctx);
    ctx.body = await webhookStats(deps.db, ctx.state.tenantId, webhook.id);
  });

  router.get('/stats/timeseries', validate({ query: timeseriesQuery }), async (ctx) => {
    const webhook = webhookOf(ctx);
    const query = ctx.state.query as TimeseriesQuery;
    const range = timeseriesRange(new Date(), query.window, query.bucket);
    const buckets = await webhookTimeseries(deps.db, ctx.state.tenantId, webhook.id, range);
    ctx.body = {
      webhook_id: webhook.id,
      window: String(ctx.query.window ?? '24h'),
      bucket: String(ctx.query.bucket ?? '1h'),
      start: range.start.toISOString(),
      end: range.end.toISOString(),
      buckets: buckets.map((bucket) => ({ ...bucket, start: bucket.start.toISOString() })),
    };
  });

  return router;
}
