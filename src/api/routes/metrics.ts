import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import type { Metrics } from '../../metrics';

/**
 * Times every API request by its route pattern (never the raw path: ids would explode labels)
 * and logs it. Headers and bodies are never logged: they carry keys and secrets.
 */
export function httpMetrics(metrics: Metrics, log: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const end = metrics.httpDuration.startTimer({ method: ctx.method });
    try {
      await next();
    } finally {
      const route = (ctx as { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      const seconds = end({ route, status: String(ctx.status) });
      log.info({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(seconds * 1000), tenant: ctx.state.tenantId }, 'request');
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
