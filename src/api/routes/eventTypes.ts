import Router from '@koa/router';
import { EVENT_TYPE_CATALOGUE } from '../../events/eventTypes';

/** /event-types: the catalogue, each type with its description, priority and the JSON Schema of its data. */
export function eventTypesRouter(): Router {
  const router = new Router({ prefix: '/event-types' });
  router.get('/', (ctx) => {
    ctx.body = { data: EVENT_TYPE_CATALOGUE };
  });
  return router;
}
