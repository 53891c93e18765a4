import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { Metrics } from '../../metrics';

/** Times every API request by its route pattern (never the raw path: ids would explode labels). */
export function httpMetrics(metrics: Metrics) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const end = metrics.httpDuration.startTimer({ method: ctx.method });
    try {
      await next();
    } finally {
      end({ route: (ctx as { _matchedRoute?: string })._matchedRoute ?? 'unmatched', status: String(ctx.status) });
    }
  };
}

/** GET /metrics in the Prometheus text format. */
export function metricsRouter(metrics: Metrics): Router {
  const router = new Router();
  router.get('/metrics', async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  return router;
}
