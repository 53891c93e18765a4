import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { findDelivery, reopenDelivery, restoreDelivery, type DeliveryWithType } from '../db/repositories/deliveries';
import type { WebhookRow } from '../db/types';
import { ConflictError, NotFoundError } from '../errors';
import type { DeliveryControl } from '../temporal/deliveryControl';
import type { EndpointControl } from '../temporal/endpointControl';

export interface LifecycleDeps {
  db: Knex;
  log: Logger;
  deliveries: DeliveryControl;
  endpoints: EndpointControl;
}

/**
 * Ends the workflows of a deleted or deactivated webhook: its open deliveries' (their rows are
 * cancelled already) and its endpoint workflow. Failures are logged, not thrown: a delivery
 * workflow that still runs finds its row cancelled at its next attempt and sends nothing.
 */
export async function stopWorkflows(deps: LifecycleDeps, webhookId: string, deliveryIds: string[]): Promise<void> {
  await deps.deliveries.cancel(deliveryIds)
    .catch((err: unknown) => deps.log.warn({ err, webhookId }, 'could not cancel the delivery workflows of a retired webhook'));
  await deps.endpoints.shutdown(webhookId)
    .catch((err: unknown) => deps.log.warn({ err, webhookId }, 'could not end the endpoint workflow of a retired webhook'));
}

/** Manual retry of one delivery: now, whatever its state; attempts keep counting. */
export async function retryDelivery(deps: LifecycleDeps, tenantId: string, webhook: WebhookRow, deliveryId: string) {
  const delivery = await findDelivery(deps.db, tenantId, webhook.id, deliveryId);
  if (!delivery) throw new NotFoundError('delivery', deliveryId);
  if (!webhook.active) throw new ConflictError('webhook is inactive: activate it before retrying its deliveries');
  await reattemptDelivery(deps, delivery, 'manual');
  return delivery;
}

/**
 * One more attempt of a delivery (manual retry, bulk recovery): its workflow retries now, or
 * a closed one runs again under the same id; attempts keep counting. Returns the run that
 * makes the attempt.
 */
export async function reattemptDelivery(deps: Pick<LifecycleDeps, 'db' | 'deliveries'>, delivery: DeliveryWithType, trigger: 'manual' | 'recovery'): Promise<string> {
  // Reopen first, so the retried attempt's result can't be overwritten by this bookkeeping.
  await reopenDelivery(deps.db, delivery.id);
  try {
    return await deps.deliveries.retryNow(delivery, trigger);
  } catch (err) {
    await restoreDelivery(deps.db, delivery);
    throw err;
  }
}
