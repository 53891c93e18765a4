import Router from '@koa/router';
import Koa from 'koa';
import { RouteNotFoundError } from '../errors';
import type { ApiDeps } from './deps';
import { requireApiKey } from './middleware/auth';
import { jsonBody } from './middleware/body';
import { errorHandler } from './middleware/errors';
import { eventsRouter } from './routes/events';
import { healthRouter } from './routes/health';
import { operationsRouter } from './routes/operations';
import { webhooksRouter } from './routes/webhooks';

export function createApp(deps: ApiDeps): Koa {
  const app = new Koa();
  app.proxy = false;
  app.use(errorHandler(deps.log));

  const publicRoutes = new Router({ prefix: '/api/v1' });
  publicRoutes.use(healthRouter(deps).routes());

  const api = new Router({ prefix: '/api/v1' });
  api.use(requireApiKey(deps.db), jsonBody);
  for (const router of [webhooksRouter(deps), operationsRouter(deps), eventsRouter(deps)]) {
    api.use(router.routes(), router.allowedMethods());
  }

  app.use(publicRoutes.routes());
  app.use(api.routes());
  app.use(api.allowedMethods());
  app.use(async (ctx) => {
    throw new RouteNotFoundError(ctx.method, ctx.path);
  });
  return app;
}
