// Deliveries waiting for a lease are rows with permit_wanted_at set (docs/permits.md): publish
// writes them, a started delivery's retry puts its row back, a lease handed back or expired
// puts it back in its old place. What the sweep asks of the queue is here too.
import type { Knex } from 'knex';
import { FINAL_STATUSES } from '../db/types';
import { DUE_NOW } from '../db/repositories/lines';
import { OPEN_STATUS } from './leases';

/** A row waits in the queue and is not final. */
const WAITING = `d.permit_wanted_at IS NOT NULL AND ${OPEN_STATUS}`;

/**
 * A started delivery asks for its next attempt's lease: its row joins the queue (shown as
 * waiting_circuit while the circuit is not closed). Undefined when there is nothing to deliver
 * to (delivery final, webhook inactive or deleted).
 */
export async function joinQueue(db: Knex, deliveryId: string) {
  const { rows } = await db.raw(`
    UPDATE deliveries AS d
       SET permit_wanted_at = coalesce(d.permit_wanted_at, clock_timestamp()),
           status = CASE WHEN w.circuit_state <> 'closed' THEN 'waiting_circuit' ELSE d.status END,
           next_attempt_at = CASE WHEN w.circuit_state <> 'closed' THEN NULL ELSE d.next_attempt_at END
      FROM webhooks AS w
     WHERE d.id = ? AND w.id = d.webhook_id AND ${OPEN_STATUS}
       AND w.active AND w.deleted_at IS NULL
    RETURNING d.webhook_id, d.status`, [deliveryId]);
  return rows[0] as { webhook_id: string; status: string } | undefined;
}

/** The delivery's status when it is final (succeeded, dead-lettered, cancelled), else undefined. */
export async function finalStatus(db: Knex, deliveryId: string): Promise<'succeeded' | 'dead_lettered' | 'cancelled' | undefined> {
  const row = await db('deliveries').where({ id: deliveryId }).whereIn('status', [...FINAL_STATUSES]).first<{ status: 'succeeded' | 'dead_lettered' | 'cancelled' } | undefined>('status');
  return row?.status;
}

/** Leaves the queue; false when a claim took the row first (its lease is on its way). */
export async function leaveQueue(db: Knex, deliveryId: string): Promise<boolean> {
  const changed = await db('deliveries').where({ id: deliveryId }).whereNotNull('permit_wanted_at').update({ permit_wanted_at: null });
  return changed > 0;
}

/** The circuit opened (held: true) or closed: the rows waiting in the queue show it. */
export async function showCircuitOnWaitingRows(db: Knex, webhookId: string, held: boolean): Promise<void> {
  const waiting = db('deliveries').where({ webhook_id: webhookId }).whereNotNull('permit_wanted_at');
  if (held) {
    await waiting.whereIn('status', ['pending', 'retrying']).update({ status: 'waiting_circuit', next_attempt_at: null });
  } else {
    await waiting.where({ status: 'waiting_circuit' })
      .update({ status: db.raw(`CASE WHEN workflow_started_at IS NULL THEN 'pending' ELSE 'retrying' END`) });
  }
}

/** Rows waiting for a lease, per webhook (the gate's queue as the API shows it). */
export async function countWaitingRows(db: Knex, webhookId: string): Promise<number> {
  const row = await db('deliveries').where({ webhook_id: webhookId }).whereNotNull('permit_wanted_at')
    .whereNotIn('status', [...FINAL_STATUSES]).count<{ count: string }>('* as count').first();
  return Number(row?.count ?? 0);
}

/** Webhooks with due rows that have waited longer than `minAgeMs` (the sweep claims for them). */
export async function webhooksWithWaitingRows(db: Knex, minAgeMs: number): Promise<string[]> {
  const { rows } = await db.raw(`SELECT DISTINCT d.webhook_id FROM deliveries AS d JOIN webhooks AS w ON w.id = d.webhook_id
    WHERE ${WAITING} AND greatest(d.permit_wanted_at, d.deliver_at) < now() - (? * interval '1 millisecond') AND ${DUE_NOW}`, [minAgeMs]);
  return rows.map((r: { webhook_id: string }) => r.webhook_id);
}

/** Scheduled rows coming due within `withinMs`: claims are armed for when they do. */
export async function scheduledRowsDue(db: Knex, withinMs: number): Promise<Array<{ webhookId: string; dueAt: Date }>> {
  const { rows } = await db.raw(`SELECT d.webhook_id, min(d.deliver_at) AS due_at FROM deliveries AS d
    WHERE d.deliver_at IS NOT NULL AND d.permit_wanted_at IS NOT NULL AND d.deliver_at > now() - interval '1 minute'
      AND d.deliver_at <= now() + (? * interval '1 millisecond') GROUP BY d.webhook_id`, [withinMs]);
  return rows.map((r: { webhook_id: string; due_at: Date }) => ({ webhookId: r.webhook_id, dueAt: r.due_at }));
}

/**
 * Dead-letters never-started rows that waited past the maximum delivery age: held by an open
 * circuit, or behind their fifo line's head (a line's wait has the same age limit). A started
 * delivery's own workflow keeps its deadline. Returns their ids.
 */
export async function expireWaitingRows(db: Knex, maxAgeMs: number, error: string): Promise<string[]> {
  return db('deliveries').whereNotNull('permit_wanted_at').whereNull('workflow_started_at').whereIn('status', ['pending', 'waiting_circuit'])
    // A scheduled delivery's age counts from its deliver_at.
    .andWhereRaw(`greatest(created_at, deliver_at) < now() - (? * interval '1 millisecond')`, [maxAgeMs])
    .update({ status: 'dead_lettered', last_error: error, completed_at: db.fn.now(), permit_wanted_at: null, next_attempt_at: null })
    .returning('id').then((rows: Array<{ id: string }>) => rows.map((r) => r.id));
}

/**
 * Started deliveries that should have asked for their next lease a while ago and did not, and
 * hold none: their workflow may be gone (terminated). The sweep asks Temporal about each.
 */
export async function overdueRetries(db: Knex, overdueMs: number, limit: number): Promise<string[]> {
  const { rows } = await db.raw(`SELECT d.id FROM deliveries AS d
    WHERE d.status = 'retrying' AND d.permit_wanted_at IS NULL AND d.next_attempt_at < now() - (? * interval '1 millisecond')
      AND NOT EXISTS (SELECT 1 FROM gate_leases AS l WHERE l.delivery_id = d.id)
    ORDER BY d.next_attempt_at LIMIT ?`, [overdueMs, limit]);
  return rows.map((r: { id: string }) => r.id);
}

/** Why a delivery whose workflow is gone was dead-lettered (its fifo line goes on). */
export const WORKFLOW_GONE_ERROR = 'its workflow ended without finishing the delivery (terminated?): dead-lettered, retry it to send it again';

/** The delivery's workflow is gone: it is dead-lettered (if still open), so nothing waits for it. */
export async function deadLetterOrphan(db: Knex, deliveryId: string): Promise<boolean> {
  const changed = await db('deliveries').where({ id: deliveryId }).whereNotIn('status', [...FINAL_STATUSES])
    .update({ status: 'dead_lettered', last_error: WORKFLOW_GONE_ERROR, completed_at: db.fn.now(), permit_wanted_at: null, next_attempt_at: null });
  return changed > 0;
}
