import type { Knex } from 'knex';
import { newId } from '../db/ids';
import { insertDeliveries, type NewDelivery } from '../db/repositories/deliveries';
import { insertEvent } from '../db/repositories/events';
import type { EventRow } from '../db/types';

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
  return insertEvent(db, {
    id: newId('evt'),
    tenant_id: input.tenantId,
    type: input.type,
    // Postgres reads the text itself: jsonb holds the numbers exactly as written.
    payload: input.dataJson,
    body: serializeEventBody(input.type, input.createdAt, input.tenantId, input.dataJson),
    idempotency_key: input.idempotencyKey ?? null,
    created_at: input.createdAt,
  });
}

/** A webhook a delivery is stored for; `held`: its circuit is not closed (the row shows waiting_circuit). */
export type DeliveryTarget = string | { id: string; circuit_state?: string };

/**
 * One delivery of the event per webhook, created with it (or later, by a redelivery: its age
 * counts from then), waiting in its endpoint's permit queue; no workflow is started here (the
 * endpoint's grant starts it). `startedByCaller`: the caller starts the workflow itself (a test
 * delivery), which then asks for its permit.
 */
export async function storeDeliveries(
  db: Knex, event: EventRow, targets: DeliveryTarget[], createdAt = event.created_at, startedByCaller = false,
): Promise<NewDelivery[]> {
  const deliveries: NewDelivery[] = targets.map((target) => {
    const held = typeof target !== 'string' && (target.circuit_state ?? 'closed') !== 'closed';
    return {
      id: newId('del'), tenant_id: event.tenant_id, webhook_id: typeof target === 'string' ? target : target.id, event_id: event.id, created_at: createdAt,
      ...(startedByCaller ? { workflow_started_at: createdAt } : { permit_wanted_at: createdAt }),
      ...(held ? { status: 'waiting_circuit' as const } : {}),
    };
  });
  await insertDeliveries(db, deliveries);
  return deliveries;
}
