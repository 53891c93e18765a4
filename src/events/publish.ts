import { isDeepStrictEqual } from 'node:util';
import type { Knex } from 'knex';
import { ConflictError } from '../errors';
import { findEventByIdempotencyKey } from '../db/repositories/events';
import { listDeliveriesOfEvent } from '../db/repositories/deliveries';
import { findSubscribers } from '../db/repositories/webhooks';
import { matchingFilter } from './filters';
import type { EventRow } from '../db/types';
import type { DeliveryControl } from '../temporal/deliveryControl';
import { TEST_EVENT_TYPE } from './catalogue';
import { storeDeliveries, storeEvent, storeEventWithDeliveries } from './store';
import { currentTraceParent } from '../tracing';

export interface PublishInput {
  event: string;
  data: Record<string, unknown>;
  /** The producer's own JSON text of `data`, sent to receivers as is; JSON.stringify(data) when absent. */
  dataJson?: string;
  idempotency_key?: string;
  /** Its line on fifo webhooks; absent: each fifo webhook's single line. */
  ordering_key?: string;
  /** Not sent before this; absent: at once. */
  deliver_at?: Date;
}

export interface PublishResult {
  event: EventRow;
  deliveryIds: string[];
  /** True when the idempotency key was seen before and the first result is returned. */
  replayed: boolean;
}

export interface PublishDeps {
  db: Knex;
  deliveries: DeliveryControl;
  /** Wakes the endpoints of committed deliveries behind the request (see EndpointWaker). */
  startQueue: { enqueue(deliveries: Array<{ webhook_id: string; deliver_at?: Date | null }>): void };
}

/**
 * Stores the event and one delivery per subscribed active webhook in one transaction (one
 * trip to Postgres after reading the subscribers), then
 * wakes their endpoints, whose grants start them: the producer never waits on Temporal. If
 * Temporal is down the rows wait, and the sweep wakes their endpoints later: an accepted event
 * is never lost.
 */
export async function publishEvent(deps: PublishDeps, tenantId: string, input: PublishInput): Promise<PublishResult> {
  const createdAt = new Date();
  const dataJson = input.dataJson ?? JSON.stringify(input.data);
  // Tracing on: the request's span is current, and its deliveries' workflows join its trace.
  const traceParent = currentTraceParent();
  // A webhook whose filter the event does not meet gets no delivery at all.
  const subscribers = matchingFilter(await findSubscribers(deps.db, tenantId, input.event), { event: input.event, data: input.data });
  const stored = await storeEventWithDeliveries(deps.db, { tenantId, type: input.event, dataJson, idempotencyKey: input.idempotency_key, createdAt },
    subscribers, { orderingKey: input.ordering_key, deliverAt: input.deliver_at, traceParent });
  if (!stored) return replay(deps.db, tenantId, input);

  deps.startQueue.enqueue(stored.deliveries);
  return { event: stored.event, deliveryIds: stored.deliveries.map((d) => d.id), replayed: false };
}

async function replay(db: Knex, tenantId: string, input: PublishInput): Promise<PublishResult> {
  const key = input.idempotency_key as string;
  const event = await findEventByIdempotencyKey(db, tenantId, key);
  if (!event) throw new ConflictError('idempotency key is in use by a concurrent request; retry');
  // Same meaning, not same bytes: a retry may space or order its JSON differently.
  const data = input.dataJson === undefined ? input.data : JSON.parse(input.dataJson);
  if (event.type !== input.event || !isDeepStrictEqual(event.payload, data)) {
    throw new ConflictError('idempotency key was already used with a different event', { idempotency_key: key, event_id: event.id });
  }
  return { event, deliveryIds: (await listDeliveriesOfEvent(db, tenantId, event.id)).map((d) => d.id), replayed: true };
}

/**
 * POST /webhooks/{id}/test: a signed `webhook.test` event to this webhook only, through the
 * normal delivery path (one attempt, trigger `test`); answers with that attempt's outcome.
 */
export async function sendTestEvent(deps: PublishDeps, tenantId: string, webhookId: string, waitMs: number) {
  const createdAt = new Date();
  const data = { webhook_id: webhookId, message: 'This is a test event from Continuum Webhooks' };
  const delivery = await deps.db.transaction(async (tx) => {
    const event = await storeEvent(tx, { tenantId, type: TEST_EVENT_TYPE, dataJson: JSON.stringify(data), createdAt });
    // Started here (trigger test, no retries); its workflow asks for its permit like a retry.
    const [row] = await storeDeliveries(tx, event as EventRow, [webhookId], { createdAt, startedByCaller: true });
    return row;
  });
  const { id, tenant_id, webhook_id, created_at } = delivery;
  const result = await deps.deliveries.startTest({ id, tenant_id, webhook_id, created_at, event_type: TEST_EVENT_TYPE }, waitMs);
  return { deliveryId: delivery.id, eventId: delivery.event_id, result };
}
