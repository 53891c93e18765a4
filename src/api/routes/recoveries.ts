import Router from '@koa/router';
import { findRecovery } from '../../db/repositories/recoveries';
import { NotFoundError } from '../../errors';
import { createRecovery } from '../../recoveries/recoveries';
import type { ApiDeps } from '../deps';
import { webhookOf } from '../middleware/params';
import { validate } from '../middleware/validate';
import { inScope, principalOf } from '../principal';
import { recoverSchema, type RecoverBody } from '../recoverySchemas';
import { recoveryJson } from '../serializers';

/** Bulk recovery: re-attempt a webhook's finished deliveries in a window, and follow it. */
export function recoveriesRouter(deps: ApiDeps): Router {
  const router = new Router();

  router.post('/webhooks/:webhookId/recover', validate({ body: recoverSchema }), async (ctx) => {
    const recovery = await createRecovery(deps, ctx.state.tenantId, webhookOf(ctx).id, ctx.state.body as RecoverBody);
    ctx.status = 202;
    ctx.set('Location', `/api/v1/recoveries/${recovery.id}`);
    ctx.body = { id: recovery.id, status: recovery.status, matched: recovery.matched };
  });

  router.get('/recoveries/:recoveryId', async (ctx) => {
    const recovery = await findRecovery(deps.db, ctx.state.tenantId, ctx.params.recoveryId);
    // A portal token sees only the recoveries of the webhooks in its scope.
    if (!recovery || !inScope(principalOf(ctx), recovery.webhook_id)) throw new NotFoundError('recovery', ctx.params.recoveryId);
    ctx.body = recoveryJson(recovery);
  });

  return router;
}
