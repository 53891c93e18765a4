import Router from '@koa/router';
import type { Context } from 'koa';
import { newId } from '../../db/ids';
import { findWebhook, insertWebhook, listWebhooks } from '../../db/repositories/webhooks';
import type { WebhookRow } from '../../db/types';
import { NotFoundError, ValidationError } from '../../errors';
import { changeWebhook } from '../../events/lifecycle';
import { generateWebhookSecret } from '../../security/secrets';
import { checkWebhookUrl, UrlPolicyError } from '../../security/urlPolicy';
import type { ApiDeps } from '../deps';
import { validate } from '../middleware/validate';
import { createWebhookSchema, listWebhooksQuery, patchWebhookSchema, type CreateWebhookBody, type PatchWebhookBody } from '../schemas';
import { circuitJson, webhookJson } from '../serializers';

export async function checkUrlField(deps: ApiDeps, url: string): Promise<string> {
  try {
    return (await checkWebhookUrl(url, deps.urlPolicy)).toString();
  } catch (err) {
    if (!(err instanceof UrlPolicyError)) throw err;
    throw new ValidationError('request is invalid', [{ field: 'body.url', message: err.reason }]);
  }
}

/** Loads the caller's webhook from :webhookId or answers 404 (also for other tenants' ids). */
export async function loadWebhook(deps: ApiDeps, ctx: Context): Promise<WebhookRow> {
  const row = await findWebhook(deps.db, ctx.state.tenantId, ctx.params.webhookId);
  if (!row) throw new NotFoundError('webhook', ctx.params.webhookId);
  return row;
}

/** /webhooks: register, list, inspect, change and delete endpoints. */
export function webhooksRouter(deps: ApiDeps): Router {
  const router = new Router({ prefix: '/webhooks' });

  router.post('/', validate({ body: createWebhookSchema(deps.maxConcurrencyPerEndpoint) }), async (ctx) => {
    const body = ctx.state.body as CreateWebhookBody;
    const url = await checkUrlField(deps, body.url);
    const secret = generateWebhookSecret();
    const row = await insertWebhook(deps.db, {
      id: newId('wh'),
      tenant_id: ctx.state.tenantId,
      url,
      events: body.events,
      name: body.name,
      description: body.description ?? null,
      active: body.active ?? true,
      secret_ciphertext: deps.secretBox.seal(secret),
      max_concurrency: body.max_concurrency ?? deps.maxConcurrencyPerEndpoint,
    });
    ctx.status = 201;
    ctx.set('Location', `/api/v1/webhooks/${row.id}`);
    ctx.body = webhookJson(row, secret);
  });

  router.get('/', validate({ query: listWebhooksQuery }), async (ctx) => {
    const rows = await listWebhooks(deps.db, ctx.state.tenantId, { activeOnly: ctx.state.query.active_only });
    ctx.body = { data: rows.map((row) => webhookJson(row)), total: rows.length };
  });

  router.get('/:webhookId', async (ctx) => {
    const row = await loadWebhook(deps, ctx);
    ctx.body = { ...webhookJson(row), circuit: circuitJson(row, await deps.endpoints.status(row.id)) };
  });

  router.patch('/:webhookId', validate({ body: patchWebhookSchema(deps.maxConcurrencyPerEndpoint) }), async (ctx) => {
    const body = ctx.state.body as PatchWebhookBody;
    await loadWebhook(deps, ctx);
    const url = body.url === undefined ? undefined : await checkUrlField(deps, body.url);
    const row = await changeWebhook(deps, ctx.state.tenantId, ctx.params.webhookId, { ...body, ...(url ? { url } : {}) });
    ctx.body = webhookJson(row);
  });

  router.delete('/:webhookId', async (ctx) => {
    // changeWebhook answers 404 for an unknown (or another tenant's) id.
    await changeWebhook(deps, ctx.state.tenantId, ctx.params.webhookId, { deleted: true });
    ctx.status = 204;
  });

  return router;
}
