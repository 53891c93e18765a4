import type Router from '@koa/router';
import type { Knex } from 'knex';
import type { Context } from 'koa';
import { isId } from '../../db/ids';
import { findWebhook } from '../../db/repositories/webhooks';
import type { WebhookRow } from '../../db/types';
import { NotFoundError } from '../../errors';
import { inScope, principalOf } from '../principal';

export const ID_PARAMS = {
  webhookId: ['wh', 'webhook'], deliveryId: ['del', 'delivery'], eventId: ['evt', 'event'], recoveryId: ['rec', 'recovery'],
  portalSessionId: ['ps', 'portal session'],
} as const;

/**
 * Checks every id in the router's paths by shape before any query: a malformed id (a NUL, a
 * 10 000-character string) is an unknown id, 404, and never reaches Postgres.
 */
export function checkIdParams(router: Router): Router {
  for (const [param, [prefix, what]] of Object.entries(ID_PARAMS)) {
    router.param(param, async (value, _ctx, next) => {
      if (!isId(prefix, value)) throw new NotFoundError(what, value);
      return next();
    });
  }
  return router;
}

/**
 * Loads the caller's webhook named by :webhookId once per request, into ctx.state.webhook
 * (read it with webhookOf); an unknown, deleted, other tenant's or out-of-scope id answers 404. Register
 * after checkIdParams, so a malformed id never reaches the query.
 */
export function loadWebhookParam(router: Router, db: Knex): Router {
  router.param('webhookId', async (value, ctx, next) => {
    const webhook = inScope(principalOf(ctx), value) ? await findWebhook(db, ctx.state.tenantId, value) : undefined;
    if (!webhook) throw new NotFoundError('webhook', value);
    ctx.state.webhook = webhook;
    return next();
  });
  return router;
}

/** The webhook loadWebhookParam loaded for this request. */
export function webhookOf(ctx: Context): WebhookRow {
  return ctx.state.webhook as WebhookRow;
}
