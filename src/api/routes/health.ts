import Router from '@koa/router';
import { countOpenCircuits, queueStats } from '../../db/repositories/health';
import { withDeadline } from '../../infra/deadline';
import type { DependencyState } from '../../infra/dependencyMonitor';
import type { ApiDeps } from '../deps';

export const DEGRADED_QUEUE_DEPTH = 1000;
/** The dependency checks may take this long before health answers with what is known. */
const CHECK_BUDGET_MS = 500;
/** Then the queue figures this long, else the last ones read. */
const QUEUE_BUDGET_MS = 300;

interface QueueFigures {
  queueDepth: number | null;
  oldestPendingSeconds: number | null;
  openCircuits: number | null;
}

const UNKNOWN: QueueFigures = { queueDepth: null, oldestPendingSeconds: null, openCircuits: null };

function dependencyJson(state: DependencyState | undefined) {
  const up = state?.up ?? false;
  return { status: up ? 'up' : 'down', since: state?.since.toISOString() ?? null, checked_at: state?.checkedAt?.toISOString() ?? null };
}

/**
 * GET /webhooks/health: no auth; mounted before /webhooks/:id so it is never taken for an id.
 * It answers within a second whatever is down: the dependency monitor's checks are bounded,
 * and so are the queue figures (the last ones read stand in when Postgres is slow).
 */
export function healthRouter(deps: ApiDeps): Router {
  const router = new Router();
  let lastQueue: QueueFigures = UNKNOWN;
  const readQueue = async (): Promise<QueueFigures> => {
    const [queue, openCircuits] = await Promise.all([queueStats(deps.db), countOpenCircuits(deps.db)]);
    lastQueue = { ...queue, openCircuits };
    return lastQueue;
  };

  router.get('/webhooks/health', async (ctx) => {
    const states = await deps.monitor.refresh(CHECK_BUDGET_MS);
    const database = states.database?.up ?? false;
    const temporal = states.temporal?.up ?? false;
    const queue = database ? await withDeadline(readQueue().catch(() => lastQueue), QUEUE_BUDGET_MS, lastQueue) : UNKNOWN;
    const down = !database || !temporal;
    const degraded = down || (queue.queueDepth ?? 0) > DEGRADED_QUEUE_DEPTH;
    ctx.status = down ? 503 : 200;
    ctx.body = {
      status: degraded ? 'degraded' : 'healthy',
      database: database ? 'up' : 'down',
      temporal: temporal ? 'up' : 'down',
      queue_depth: queue.queueDepth,
      oldest_pending_seconds: queue.oldestPendingSeconds,
      open_circuits: queue.openCircuits,
      dependencies: { database: dependencyJson(states.database), temporal: dependencyJson(states.temporal) },
    };
  });
  return router;
}
