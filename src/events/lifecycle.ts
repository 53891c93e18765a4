import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { cancelOpenDeliveries, findDelivery, reopenDelivery, restoreDelivery } from '../db/repositories/deliveries';
import { updateWebhook, type WebhookPatch } from '../db/repositories/webhooks';
import type { WebhookRow } from '../db/types';
import { ConflictError, NotFoundError } from '../errors';
import type { TemporalConnector } from '../temporal/client';
import type { EndpointControl } from '../temporal/endpoints';
import type { DeliveryStarter } from '../temporal/starter';
import { deliveryWorkflowId } from '../../workflows/messages';

export interface LifecycleDeps {
  db: Knex;
  log: Logger;
  temporal: TemporalConnector;
  starter: DeliveryStarter;
  endpoints: EndpointControl;
}

/**
 * Applies a change to a webhook. Deleting or deactivating it cancels its open deliveries
 * (rows first, in the same transaction, so nothing is sent after the answer) and ends its
 * endpoint workflow; reactivating later starts a fresh one.
 */
export async function changeWebhook(deps: LifecycleDeps, tenantId: string, id: string, patch: WebhookPatch & { deleted?: boolean }): Promise<WebhookRow> {
  const { deleted, ...fields } = patch;
  const retiring = deleted === true || fields.active === false;
  const result = await deps.db.transaction(async (tx) => {
    const row = await updateWebhook(tx, tenantId, id, { ...fields, ...(deleted ? { deleted_at: new Date() } : {}) });
    if (!row) throw new NotFoundError('webhook', id);
    const cancelled = retiring ? await cancelOpenDeliveries(tx, id, deleted ? 'webhook deleted' : 'webhook deactivated') : [];
    return { row, cancelled };
  });
  if (retiring) await stopWorkflows(deps, id, result.cancelled);
  else if (fields.max_concurrency !== undefined) await deps.endpoints.configure(id, fields.max_concurrency).catch(() => false);
  return result.row;
}

async function stopWorkflows(deps: LifecycleDeps, webhookId: string, deliveryIds: string[]): Promise<void> {
  try {
    const client = await deps.temporal.client();
    await Promise.allSettled(deliveryIds.map((id) => client.workflow.getHandle(deliveryWorkflowId(id)).cancel()));
    await deps.endpoints.shutdown(webhookId);
  } catch (err) {
    // Rows are already cancelled: a delivery workflow that still runs finds that out at its
    // next attempt and sends nothing.
    deps.log.warn({ err: (err as Error).message, webhookId }, 'could not stop workflows of a retired webhook');
  }
}

/** Manual retry of one delivery: now, whatever its state; attempts keep counting. */
export async function retryDelivery(deps: LifecycleDeps, tenantId: string, webhook: WebhookRow, deliveryId: string) {
  const delivery = await findDelivery(deps.db, tenantId, webhook.id, deliveryId);
  if (!delivery) throw new NotFoundError('delivery', deliveryId);
  if (!webhook.active) throw new ConflictError('webhook is inactive: activate it before retrying its deliveries');
  // Reopen first, so the retried attempt's result can't be overwritten by this bookkeeping.
  await reopenDelivery(deps.db, delivery.id);
  try {
    await deps.starter.retryNow(delivery);
  } catch (err) {
    await restoreDelivery(deps.db, delivery);
    throw err;
  }
  return delivery;
}
