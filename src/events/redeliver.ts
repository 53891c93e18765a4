import type { Knex } from 'knex';
import { orderingKeyOfEvent } from '../db/repositories/deliveries';
import { findEvent } from '../db/repositories/events';
import { findSubscribers, findWebhook } from '../db/repositories/webhooks';
import type { EventRow } from '../db/types';
import { echo, NotFoundError, ValidationError, type FieldIssue } from '../errors';
import type { PublishDeps } from './publish';
import { matchingFilter } from './filters';
import { storeDeliveries } from './store';

/**
 * POST /events/{id}/redeliver: the event again, as new deliveries (new ids, age counted from
 * now, the same signed body), to every active webhook subscribed to its type, or to exactly
 * the ones named (with each webhook's policy of today). Stored in one transaction and started like a publish's deliveries.
 */
export async function redeliverEvent(deps: PublishDeps, tenantId: string, eventId: string, webhookIds?: string[]) {
  const stored = await deps.db.transaction(async (tx) => {
    const event = await findEvent(tx, tenantId, eventId);
    if (!event) throw new NotFoundError('event', eventId);
    // Webhooks named explicitly get it; the default set is the subscribers whose filter it meets.
    const subscribers = await findSubscribers(tx, tenantId, event.type);
    const named = webhookIds === undefined ? null : await checkTargets(tx, tenantId, event, subscribers.map((w) => w.id), webhookIds);
    // A redelivery is a new delivery: on a fifo webhook it joins the end of the line its event was published to.
    const targets = named === null ? matchingFilter(subscribers, { event: event.type, data: typeof event.payload === 'string' ? JSON.parse(event.payload) : event.payload }) : subscribers.filter((w) => named.includes(w.id));
    return storeDeliveries(tx, event, targets, { createdAt: new Date(), orderingKey: await orderingKeyOfEvent(tx, event.id) });
  });
  deps.startQueue.enqueue(stored);
  return stored;
}

/** The named webhooks, each the tenant's, active and subscribed; otherwise a 400 naming every one that isn't. */
async function checkTargets(tx: Knex, tenantId: string, event: EventRow, subscribers: string[], webhookIds: string[]): Promise<string[]> {
  const issues: FieldIssue[] = [];
  for (const [index, id] of webhookIds.entries()) {
    if (subscribers.includes(id)) continue;
    const webhook = await findWebhook(tx, tenantId, id);
    const why = !webhook ? 'not found' : !webhook.active ? 'is inactive' : `is not subscribed to ${event.type}`;
    issues.push({ field: `body.webhook_ids.${index}`, message: `webhook ${echo(id)} ${why}` });
  }
  if (issues.length > 0) throw new ValidationError('webhook_ids names webhooks this event can not be redelivered to', issues);
  return [...new Set(webhookIds)];
}
