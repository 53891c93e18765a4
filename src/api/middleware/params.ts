import type Router from '@koa/router';
import { isId } from '../../db/ids';
import { NotFoundError } from '../../errors';

export const ID_PARAMS = { webhookId: ['wh', 'webhook'], deliveryId: ['del', 'delivery'], eventId: ['evt', 'event'] } as const;

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
