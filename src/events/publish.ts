import { isDeepStrictEqual } from 'node:util';
import type { Knex } from 'knex';
import { ConflictError } from '../errors';
import { newId } from '../db/ids';
import { findEventByIdempotencyKey, insertEvent } from '../db/repositories/events';
import { insertDeliveries, listDeliveriesOfEvent, markWorkflowsStarted } from '../db/repositories/deliveries';
import { findSubscribers } from '../db/repositories/webhooks';
import type { EventRow } from '../db/types';
import type { DeliveryControl } from '../temporal/deliveryControl';
import { TEST_EVENT_TYPE } from './catalogue';

export interface PublishInput {
  event: string;
  data: Record<string, unknown>;
  /** The producer's own JSON text of `data`, sent to receivers as is; JSON.stringify(data) when absent. */
  dataJson?: string;
  idempotency_key?: string;
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
  /** Starts committed deliveries behind the request (see Dispatcher). */
  startQueue: { enqueue(deliveries: Array<{ webhook_id: string }>): void };
}

/**
 * The body receivers get, serialized once: these exact bytes are signed on every attempt.
 * `dataJson` is embedded as given, so `data` reaches the receiver byte for byte.
 */
export function serializeEventBody(type: string, createdAt: Date, tenantId: string, dataJson: string): string {
  const envelope = JSON.stringify({ event: type, timestamp: createdAt.toISOString(), tenant_id: tenantId });
  return `${envelope.slice(0, -1)},"data":${dataJson}}`;
}

/**
 * Stores the event and one delivery per subscribed active webhook in one transaction and
 * hands them to the start queue: the producer never waits on Temporal. If Temporal is down
 * the rows stay unstarted and the dispatcher's pass starts them later: an accepted event is
 * never lost.
 */
export async function publishEvent(deps: PublishDeps, tenantId: string, input: PublishInput): Promise<PublishResult> {
  const createdAt = new Date();
  const dataJson = input.dataJson ?? JSON.stringify(input.data);
  const stored = await deps.db.transaction(async (tx) => {
    const event = await insertEvent(tx, {
      id: newId('evt'),
      tenant_id: tenantId,
      type: input.event,
      // Postgres reads the text itself: jsonb holds the numbers exactly as written.
      payload: dataJson,
      body: serializeEventBody(input.event, createdAt, tenantId, dataJson),
      idempotency_key: input.idempotency_key ?? null,
      created_at: createdAt,
    });
    if (!event) return null;
    const subscribers = await findSubscribers(tx, tenantId, input.event);
    const deliveries = subscribers.map((webhook) => ({
      id: newId('del'), tenant_id: tenantId, webhook_id: webhook.id, event_id: event.id, created_at: createdAt,
    }));
    await insertDeliveries(tx, deliveries);
    return { event, deliveries };
  });
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
    const event = await insertEvent(tx, {
      id: newId('evt'), tenant_id: tenantId, type: TEST_EVENT_TYPE, payload: JSON.stringify(data),
      body: serializeEventBody(TEST_EVENT_TYPE, createdAt, tenantId, JSON.stringify(data)), idempotency_key: null, created_at: createdAt,
    });
    const row = { id: newId('del'), tenant_id: tenantId, webhook_id: webhookId, event_id: (event as EventRow).id, created_at: createdAt };
    await insertDeliveries(tx, [row]);
    return row;
  });
  const result = await deps.deliveries.startTest({ ...delivery, event_type: TEST_EVENT_TYPE }, waitMs);
  await markWorkflowsStarted(deps.db, [delivery.id]);
  return { deliveryId: delivery.id, eventId: delivery.event_id, result };
}
