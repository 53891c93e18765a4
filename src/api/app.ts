import Router from '@koa/router';
import Koa from 'koa';
import { RouteNotFoundError } from '../errors';
import type { ApiDeps } from './deps';
import { authenticate } from './middleware/auth';
import { jsonBody } from './middleware/body';
import { errorHandler } from './middleware/errors';
import { methodNotAllowed } from './middleware/methods';
import { checkIdParams, loadWebhookParam } from './middleware/params';
import { deliveriesRouter } from './routes/deliveries';
import { eventsRouter } from './routes/events';
import { eventTypesRouter } from './routes/eventTypes';
import { healthRouter } from './routes/health';
import { httpMetrics, metricsRouter } from './routes/metrics';
import { buildOpenApi, listRoutes } from './openapi';
import { dashboardPages } from './pages';
import { operationsRouter } from './routes/operations';
import { recoveriesRouter } from './routes/recoveries';
import { portalRouter } from './routes/portal';
import { refuseWritesWhenReadOnly } from './principal';
import { webhooksRouter } from './routes/webhooks';

/** The Koa app, and the routes it serves ("METHOD /path/{param}"). */
export function createApp(deps: ApiDeps): Koa & { routes: string[] } {
  const app = new Koa();
  app.proxy = false;
  app.use(httpMetrics(deps.metrics, deps.log));
  app.use(errorHandler(deps.log));

  const metrics = metricsRouter(deps.metrics);
  const publicRoutes = new Router({ prefix: '/api/v1' });
  publicRoutes.use(healthRouter(deps).routes());

  const api = new Router({ prefix: '/api/v1' });
  api.use(authenticate(deps.db, deps.metrics), refuseWritesWhenReadOnly, jsonBody);
  for (const router of [webhooksRouter(deps), deliveriesRouter(deps), operationsRouter(deps), eventsRouter(deps), eventTypesRouter(), recoveriesRouter(deps), portalRouter(deps)]) {
    api.use(loadWebhookParam(checkIdParams(router), deps.db).routes());
  }

  // Built once from the routers themselves (after this route exists, so it lists itself).
  let openApi: object | null = null;
  publicRoutes.get('/openapi.json', (ctx) => {
    ctx.body = openApi;
  });
  const routes = listRoutes([metrics, publicRoutes, api]);
  openApi = buildOpenApi(routes);

  app.use(methodNotAllowed([metrics, publicRoutes, api]));
  app.use(metrics.routes());
  app.use(publicRoutes.routes());
  app.use(api.routes());
  app.use(dashboardPages(deps.dashboard));
  app.use(async (ctx) => {
    throw new RouteNotFoundError(ctx.method, ctx.path);
  });
  return Object.assign(app, { routes: routes.map((route) => route.key) });
}
