import type { Knex } from 'knex';
import { placeOnReopen, waitingForColumn } from './lines';
import { FINAL_STATUSES, type DeliveryRow, type DeliveryStatus } from '../types';

export type NewDelivery = Pick<DeliveryRow, 'id' | 'tenant_id' | 'webhook_id' | 'event_id' | 'created_at'>
  & Partial<Pick<DeliveryRow, 'status' | 'permit_wanted_at' | 'workflow_started_at' | 'ordering_key' | 'deliver_at' | 'trace_parent' | 'priority'>>
  & { ordering_seq?: Knex.Raw; retry_schedule_ms?: string };

export async function insertDeliveries(db: Knex, deliveries: NewDelivery[]): Promise<void> {
  if (deliveries.length > 0) await db('deliveries').insert(deliveries);
}

export async function listDeliveriesOfEvent(db: Knex, tenantId: string, eventId: string): Promise<DeliveryRow[]> {
  return db('deliveries').where({ tenant_id: tenantId, event_id: eventId }).orderBy('id');
}

export interface DeliveryContext {
  id: string;
  tenant_id: string;
  event_type: string;
  body: string;
  url: string;
  secret_ciphertext: string;
  previous_secret_ciphertext: string | null;
  previous_secret_expires_at: Date | null;
  webhook_id: string;
  /** The webhook's custom headers, sealed (see sealHeaders), or null. */
  headers_ciphertext: string | null;
  /** The number of the attempt about to be made. */
  attempt_count: number;
}

export async function deliveryExists(db: Knex, deliveryId: string): Promise<boolean> {
  return (await db('deliveries').where({ id: deliveryId }).first('id')) !== undefined;
}

/**
 * Sets the status; a final one (succeeded, dead-lettered, cancelled) stays: only a manual retry, which reopens it first, revives it.
 * Only an attempt's outcome schedules the next one (recordAttempt in src/gate/attempts.ts): a delivery held by an open
 * circuit, or ended here, has no next attempt at a known time, so next_attempt_at is cleared
 * rather than left at the retry time that already passed.
 */
export async function setDeliveryStatus(db: Knex, deliveryId: string, status: DeliveryStatus, error?: string): Promise<void> {
  const final = FINAL_STATUSES.includes(status);
  await db('deliveries')
    .where({ id: deliveryId })
    // A final status stays (a workflow task run again after its attempt succeeded must not undo it).
    .whereNotIn('status', [...FINAL_STATUSES])
    .update({
      status,
      completed_at: final ? db.fn.now() : null,
      ...(status === 'retrying' ? {} : { next_attempt_at: null }),
      ...(error ? { last_error: error } : {}),
    });
}

/** Cancels every delivery of the webhook that is not final yet; returns their ids. */
export async function cancelOpenDeliveries(db: Knex, webhookId: string, reason: string): Promise<string[]> {
  const rows = await db('deliveries')
    .where({ webhook_id: webhookId })
    .whereNotIn('status', [...FINAL_STATUSES])
    .update({ status: 'cancelled', last_error: reason, completed_at: db.fn.now(), next_attempt_at: null })
    .returning('id');
  return rows.map((row: { id: string }) => row.id);
}

export interface DeliveryWithType extends DeliveryRow {
  event_type: string;
  /** The delivery ahead in its fifo line it waits for (see waitingForColumn). */
  waiting_for?: string | null;
}

export async function findDelivery(db: Knex, tenantId: string, webhookId: string, deliveryId: string): Promise<DeliveryWithType | undefined> {
  return db('deliveries as d')
    .join('events as e', 'e.id', 'd.event_id')
    .where({ 'd.tenant_id': tenantId, 'd.webhook_id': webhookId, 'd.id': deliveryId })
    .first('d.*', 'e.type as event_type', waitingForColumn(db));
}

/** The ordering key the event was published with (its deliveries carry it); null: none. */
export async function orderingKeyOfEvent(db: Knex, eventId: string): Promise<string | null> {
  const row = await db('deliveries').where({ event_id: eventId }).whereNotNull('ordering_key').first('ordering_key');
  return row?.ordering_key ?? null;
}

/** A manual retry reopens the delivery; its attempts keep counting. */
export async function reopenDelivery(db: Knex, deliveryId: string): Promise<void> {
  await db('deliveries').where({ id: deliveryId }).update({ status: 'pending', completed_at: null, workflow_started_at: db.fn.now(), ordering_seq: placeOnReopen(db) });
}

/** Undoes reopenDelivery when the retry could not be handed to Temporal. */
export async function restoreDelivery(db: Knex, row: DeliveryRow): Promise<void> {
  await db('deliveries').where({ id: row.id, status: 'pending' })
    .update({ status: row.status, completed_at: row.completed_at, workflow_started_at: row.workflow_started_at, ordering_seq: row.ordering_seq ?? null });
}
