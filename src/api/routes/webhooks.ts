import Router from '@koa/router';
import { listWebhooksPage } from '../../db/repositories/webhooks';
import { changeWebhook, createWebhook, deleteWebhook } from '../../webhooks/webhooks';
import type { ApiDeps } from '../deps';
import { webhookOf } from '../middleware/params';
import { principalOf, wholeTenantOnly } from '../principal';
import { validate } from '../middleware/validate';
import {
  createWebhookSchema, listWebhooksQuery, patchWebhookSchema, type CreateWebhookBody, type ListWebhooksQuery, type PatchWebhookBody,
} from '../schemas';
import { webhookJson } from '../serializers';
import { loadCircuit } from '../circuit';

/** /webhooks: register, list, inspect, change and delete endpoints (:webhookId is loaded by loadWebhookParam). */
export function webhooksRouter(deps: ApiDeps): Router {
  const router = new Router({ prefix: '/webhooks' });

  router.post('/', wholeTenantOnly, validate({ body: createWebhookSchema(deps.maxConcurrencyPerEndpoint, deps.minRetryWaitMs) }), async (ctx) => {
    const { row, secret } = await createWebhook(deps, ctx.state.tenantId, ctx.state.body as CreateWebhookBody);
    ctx.status = 201;
    ctx.set('Location', `/api/v1/webhooks/${row.id}`);
    ctx.body = webhookJson(row, secret);
  });

  router.get('/', validate({ query: listWebhooksQuery }), async (ctx) => {
    const query = ctx.state.query as ListWebhooksQuery;
    const page = await listWebhooksPage(deps.db, ctx.state.tenantId, { activeOnly: query.active_only, ids: principalOf(ctx).webhookIds }, query);
    ctx.body = { data: page.rows.map((row) => webhookJson(row)), total: page.total, limit: query.limit, offset: query.offset };
  });

  router.get('/:webhookId', async (ctx) => {
    const row = webhookOf(ctx);
    ctx.body = { ...webhookJson(row), circuit: await loadCircuit(deps, row) };
  });

  router.patch('/:webhookId', validate({ body: patchWebhookSchema(deps.maxConcurrencyPerEndpoint, deps.minRetryWaitMs) }), async (ctx) => {
    const row = await changeWebhook(deps, ctx.state.tenantId, webhookOf(ctx).id, ctx.state.body as PatchWebhookBody);
    ctx.body = webhookJson(row);
  });

  router.delete('/:webhookId', async (ctx) => {
    await deleteWebhook(deps, ctx.state.tenantId, webhookOf(ctx).id);
    ctx.status = 204;
  });

  return router;
}
