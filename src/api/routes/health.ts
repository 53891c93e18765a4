import Router from '@koa/router';
import { countOpenCircuits, queueStats } from '../../db/repositories/health';
import type { ApiDeps } from '../deps';

export const DEGRADED_QUEUE_DEPTH = 1000;

async function databaseUp(deps: ApiDeps): Promise<boolean> {
  try {
    await deps.db.raw('select 1');
    return true;
  } catch {
    return false;
  }
}

/** GET /webhooks/health: no auth; mounted before /webhooks/:id so it is never taken for an id. */
export function healthRouter(deps: ApiDeps): Router {
  const router = new Router();
  router.get('/webhooks/health', async (ctx) => {
    const [database, temporal] = await Promise.all([databaseUp(deps), deps.temporal.isReachable()]);
    const [queue, openCircuits] = database
      ? await Promise.all([queueStats(deps.db), countOpenCircuits(deps.db)])
      : [{ queueDepth: null, oldestPendingSeconds: null }, null];
    const down = !database || !temporal;
    const degraded = down || (queue.queueDepth ?? 0) > DEGRADED_QUEUE_DEPTH;
    ctx.status = down ? 503 : 200;
    ctx.body = {
      status: degraded ? 'degraded' : 'healthy',
      database: database ? 'up' : 'down',
      temporal: temporal ? 'up' : 'down',
      queue_depth: queue.queueDepth,
      oldest_pending_seconds: queue.oldestPendingSeconds,
      open_circuits: openCircuits,
    };
  });
  return router;
}
