import type { Knex } from 'knex';
import { placeOnReopen, waitingForColumn } from './lines';
import { FINAL_STATUSES, type AttemptTrigger, type DeliveryRow, type DeliveryStatus } from '../types';

export type NewDelivery = Pick<DeliveryRow, 'id' | 'tenant_id' | 'webhook_id' | 'event_id' | 'created_at'>
  & Partial<Pick<DeliveryRow, 'status' | 'permit_wanted_at' | 'workflow_started_at' | 'ordering_key' | 'deliver_at' | 'trace_parent'>>
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
 * Marks the delivery in flight (and its claim granted: the grant reached it) and returns what
 * the attempt needs, with the number of the attempt about to be made: one round trip. Undefined when there is nothing to attempt
 * (delivery unknown or cancelled, webhook inactive or deleted, this permit's attempt already
 * made); nothing is changed then.
 */
export async function beginAttempt(db: Knex, deliveryId: string, leaseId: string | null): Promise<DeliveryContext | undefined> {
  const { rows } = await db.raw(`
    UPDATE deliveries AS d
       SET status = 'in_flight', attempt_count = d.attempt_count + 1, next_attempt_at = NULL,
           workflow_started_at = COALESCE(d.workflow_started_at, now()), granted_at = COALESCE(d.granted_at, now())
      FROM webhooks AS w, events AS e
     WHERE d.id = ? AND w.id = d.webhook_id AND e.id = d.event_id
       AND d.status <> 'cancelled' AND w.active AND w.deleted_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM delivery_attempts AS a WHERE a.delivery_id = d.id AND a.lease_id = ?)
    RETURNING d.id, d.tenant_id, d.attempt_count, e.type AS event_type, e.body, w.url, w.id AS webhook_id,
              w.secret_ciphertext, w.previous_secret_ciphertext, w.previous_secret_expires_at, w.headers_ciphertext`, [deliveryId, leaseId]);
  return rows[0];
}

/** The attempt already made under this permit, if any. */
export async function findAttemptByLease(db: Knex, deliveryId: string, leaseId: string) {
  return db('delivery_attempts').where({ delivery_id: deliveryId, lease_id: leaseId })
    .first<{ attempt_number: number; status_code: number | null; error_message: string | null; duration_ms: number } | undefined>(
      'attempt_number', 'status_code', 'error_message', 'duration_ms');
}

export interface AttemptRecord {
  deliveryId: string;
  attemptNumber: number;
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  errorMessage: string | null;
  responseBody: string | null;
  trigger: AttemptTrigger;
  leaseId: string | null;
  newStatus: DeliveryStatus;
  nextAttemptAt: Date | null;
}

/** Writes the attempt row and the delivery's new state in one statement (one round trip, atomic). */
export async function recordAttempt(db: Knex, record: AttemptRecord): Promise<void> {
  const final = FINAL_STATUSES.includes(record.newStatus);
  await db('deliveries')
    .with('attempt', db('delivery_attempts').insert({
      delivery_id: record.deliveryId,
      attempt_number: record.attemptNumber,
      started_at: record.startedAt,
      duration_ms: record.durationMs,
      status_code: record.statusCode,
      error_message: record.errorMessage,
      response_body: record.responseBody,
      trigger: record.trigger,
      lease_id: record.leaseId,
    }))
    .where({ id: record.deliveryId })
    // An attempt that finishes after the webhook was deleted must not revive the delivery.
    .whereNot({ status: 'cancelled' })
    .update({
      status: record.newStatus,
      last_status_code: record.statusCode,
      last_error: record.errorMessage,
      next_attempt_at: record.nextAttemptAt,
      completed_at: final ? db.fn.now() : null,
    });
}

/**
 * Sets the status; a cancelled delivery stays cancelled (only a manual retry revives it).
 * Only an attempt's outcome schedules the next one (recordAttempt): a delivery held by an open
 * circuit, or ended here, has no next attempt at a known time, so next_attempt_at is cleared
 * rather than left at the retry time that already passed.
 */
export async function setDeliveryStatus(db: Knex, deliveryId: string, status: DeliveryStatus, error?: string): Promise<void> {
  const final = FINAL_STATUSES.includes(status);
  await db('deliveries')
    .where({ id: deliveryId })
    .whereNot({ status: 'cancelled' })
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
