import type { Knex } from 'knex';
import { newId } from '../db/ids';
import { insertDeliveries, type NewDelivery } from '../db/repositories/deliveries';
import { insertEvent, type NewEvent } from '../db/repositories/events';
import { lineLocks, lockLines, nextPlace } from '../db/repositories/lines';
import { fromQuery, inOneTrip } from '../db/oneTrip';
import type { EventRow } from '../db/types';
import { HIGH_PRIORITY_EVENTS } from './catalogue';

export interface EventToStore {
  tenantId: string;
  type: string;
  /** The producer's own JSON text of `data`: stored and sent as is. */
  dataJson: string;
  idempotencyKey?: string | null;
  createdAt: Date;
}

/**
 * The body receivers get, serialized once: these exact bytes are signed on every attempt.
 * `dataJson` is embedded as given, so `data` reaches the receiver byte for byte.
 */
export function serializeEventBody(type: string, createdAt: Date, tenantId: string, dataJson: string): string {
  const envelope = JSON.stringify({ event: type, timestamp: createdAt.toISOString(), tenant_id: tenantId });
  return `${envelope.slice(0, -1)},"data":${dataJson}}`;
}

/** Inserts the event with its body; null (nothing inserted) when its idempotency key was used before. */
export function storeEvent(db: Knex, input: EventToStore): Promise<EventRow | null> {
  return insertEvent(db, newEvent(input));
}

function newEvent(input: EventToStore): NewEvent {
  return {
    id: newId('evt'),
    tenant_id: input.tenantId,
    type: input.type,
    // Postgres reads the text itself: jsonb holds the numbers exactly as written.
    payload: input.dataJson,
    body: serializeEventBody(input.type, input.createdAt, input.tenantId, input.dataJson),
    idempotency_key: input.idempotencyKey ?? null,
    created_at: input.createdAt,
  };
}

/**
 * A webhook a delivery is stored for, with the policy it has now: `circuit_state` not closed
 * (the row shows waiting_circuit), `ordering` fifo (the row takes its place in a line), its own
 * `retry_schedule_ms`. A bare id: none of these.
 */
export type DeliveryTarget = string | { id: string; circuit_state?: string; ordering?: string; retry_schedule_ms?: number[] | null };

export interface StoreOptions {
  /** When its age starts (default: the event's creation); a redelivery's is now. */
  createdAt?: Date;
  /** The caller starts the workflow itself (a test delivery), which then asks for its permit. */
  startedByCaller?: boolean;
  /** Its line on fifo webhooks (absent: the webhook's single line). */
  orderingKey?: string | null;
  /** Not sent before this. */
  deliverAt?: Date | null;
  /** The publish's W3C traceparent (tracing on): the deliveries' workflows join its trace. */
  traceParent?: string | null;
}

/**
 * One delivery of the event per webhook, created with it (or later, by a redelivery: its age
 * counts from then), waiting in its endpoint's permit queue; no workflow is started here (the
 * endpoint's grant starts it), except by a caller that starts it itself (a test delivery).
 */
export async function storeDeliveries(db: Knex, event: EventRow, targets: DeliveryTarget[], options: StoreOptions = {}): Promise<NewDelivery[]> {
  const fifo = fifoWebhooks(targets);
  if (fifo.length > 0) await lockLines(db, fifo);
  const deliveries = newDeliveries(db, event, targets, options);
  await insertDeliveries(db, deliveries);
  return deliveries;
}

const policyOf = (target: DeliveryTarget) => (typeof target === 'string' ? { id: target } : target);
const fifoWebhooks = (targets: DeliveryTarget[]) => targets.map(policyOf).filter((w) => w.ordering === 'fifo').map((w) => w.id);

function newDeliveries(db: Knex, event: Pick<EventRow, 'id' | 'tenant_id' | 'type' | 'created_at'>, targets: DeliveryTarget[], options: StoreOptions): NewDelivery[] {
  const createdAt = options.createdAt ?? event.created_at;
  return targets.map(policyOf).map((target) => {
    const held = (target.circuit_state ?? 'closed') !== 'closed';
    return {
      id: newId('del'), tenant_id: event.tenant_id, webhook_id: target.id, event_id: event.id, created_at: createdAt,
      ...(HIGH_PRIORITY_EVENTS.has(event.type) ? { priority: 1 } : {}),
      ...(options.startedByCaller ? { workflow_started_at: createdAt } : { permit_wanted_at: createdAt }),
      ...(held ? { status: 'waiting_circuit' as const } : {}),
      ...(options.orderingKey ? { ordering_key: options.orderingKey } : {}),
      ...(target.ordering === 'fifo' ? { ordering_seq: nextPlace(db) } : {}),
      ...(options.deliverAt ? { deliver_at: options.deliverAt } : {}),
      ...(target.retry_schedule_ms ? { retry_schedule_ms: JSON.stringify(target.retry_schedule_ms) } : {}),
      ...(options.traceParent ? { trace_parent: options.traceParent } : {}),
    };
  });
}

/** The unique constraint an idempotency key used before breaks. */
const IDEMPOTENCY_KEY_CONSTRAINT = 'events_tenant_id_idempotency_key_unique';

/**
 * storeEvent and storeDeliveries in one trip to Postgres (src/db/oneTrip.ts), one transaction:
 * the fifo lines' locks, the event, its deliveries. Null, with nothing stored, when the
 * event's idempotency key was used before (the event's insert fails, and the trip with it).
 */
export async function storeEventWithDeliveries(db: Knex, input: EventToStore, targets: DeliveryTarget[], options: StoreOptions = {})
  : Promise<{ event: EventRow; deliveries: NewDelivery[] } | null> {
  const row = newEvent(input);
  const deliveries = newDeliveries(db, row, targets, options);
  const locks = lineLocks(fifoWebhooks(targets));
  try {
    const results = await inOneTrip(db, [
      ...locks,
      fromQuery(db('events').insert(row).returning('*')),
      ...(deliveries.length > 0 ? [fromQuery(db('deliveries').insert(deliveries))] : []),
    ]);
    return { event: results[locks.length].rows[0], deliveries };
  } catch (err) {
    if ((err as { constraint?: string }).constraint === IDEMPOTENCY_KEY_CONSTRAINT) return null;
    throw err;
  }
}
