import { cancelOpenDeliveries } from '../db/repositories/deliveries';
import { markDisabled } from '../db/repositories/circuits';
import type { OperationalEvents } from '../events/operational';
import { GONE_REASON, goneNotice } from '../events/operationalData';
import type { Metrics } from '../metrics';
import { stopWorkflows, type LifecycleDeps } from './lifecycle';

export type GoneDeps = LifecycleDeps & { operational: OperationalEvents; metrics?: Metrics };

/**
 * The endpoint answered 410 Gone (the Standard Webhooks recommendation): the webhook is disabled
 * at once, with `disabled_reason`, its open deliveries cancelled, and `webhook.disabled` sent to
 * the tenant's other subscribed webhooks, as for auto-disable; all in one transaction, and only
 * if the webhook is still active (a second 410 in flight disables nothing again). `PATCH
 * {active: true}` turns it back on. The test endpoint's 410 never comes here.
 */
export async function disableGoneWebhook(deps: GoneDeps, webhookId: string, deliveryId: string): Promise<boolean> {
  const done = await deps.db.transaction(async (tx) => {
    const active = await tx('webhooks').where({ id: webhookId, active: true }).whereNull('deleted_at').forUpdate().first('id');
    if (!active) return null;
    const row = await markDisabled(tx, webhookId, GONE_REASON);
    const cancelled = await cancelOpenDeliveries(tx, webhookId, `webhook disabled: ${GONE_REASON}`);
    const notice = await deps.operational.store(tx, goneNotice(row, deliveryId, row.disabled_at as Date, cancelled.length));
    return { row, cancelled, notice };
  });
  if (!done) return false;
  deps.log.warn({ webhookId, tenantId: done.row.tenant_id, deliveryId, cancelled: done.cancelled.length }, 'webhook disabled: its endpoint answered 410 Gone');
  await stopWorkflows(deps, webhookId, done.cancelled);
  deps.metrics?.webhooksAutoDisabled.inc();
  deps.operational.started([done.notice]);
  return true;
}
