// The queue of deliveries waiting for a permit, in Postgres (see docs/permits.md): a row waits
// with permit_wanted_at set until a grant of its endpoint workflow claims it.
import type { Knex } from 'knex';
import { FINAL_STATUSES, type DeliveryToStart, type WebhookRow } from '../types';
import { DUE_NOW, IN_LINE } from './lines';

/** A row a grant claimed: start its workflow (or, started already, signal it) holding `lease_id`. */
export interface ClaimedRow extends DeliveryToStart {
  lease_id: string;
  workflow_started_at: Date | null;
}

/**
 * Lease ids are made here alone, deterministic, so a repeated batch grants the same leases: a
 * delivery's first permit (never started, never attempted) is `<id>:first` (the lease a
 * delivery of the previous release, started by its starter, waits for), a later one `<id>@<batch id>`.
 * A block's batch ids are `<block id>` (the lend) and `<block id>.<n>`: the gate tells a later
 * permit's block from its lease id (see Gate.release).
 */
export const firstLeaseId = (deliveryId: string): string => `${deliveryId}:first`;

export interface ClaimInput {
  webhookId: string;
  batchId: string;
  room: number;
  highPriorityTypes: readonly string[];
  /** A block's claim (docs/permits.md); with `lendMs`, the endpoint's lend, naming the block for that long. */
  block?: { id: string; size: number; lendMs?: number };
}

/**
 * A block claims only while the webhook names it and it is still what the endpoint would lend:
 * circuit closed, no rate limit, max_concurrency not below its size, the webhook active. A
 * PATCH of the limits or an opening circuit stops its claims at once, with no message.
 */
const BLOCK_STILL_LENT = `permit_block_id = :blockId AND permit_block_until > now() AND circuit_state = 'closed'
  AND rate_limit_per_s IS NULL AND max_concurrency >= :blockSize AND active AND deleted_at IS NULL`;

/** False once the block may claim no more (see BLOCK_STILL_LENT): it goes back. */
export async function blockStillLent(db: Knex, webhookId: string, block: { id: string; size: number }): Promise<boolean> {
  const { rows } = await db.raw(`SELECT 1 FROM webhooks WHERE id = :webhookId AND ${BLOCK_STILL_LENT}`, { webhookId, blockId: block.id, blockSize: block.size });
  return rows.length > 0;
}

/** A row waits in the queue (claimed by no grant yet) and is not final. */
const WAITING = `d.permit_wanted_at IS NOT NULL AND d.status NOT IN ('succeeded','dead_lettered','cancelled')`;

/** What a claim hands back: the rows, and whether rows wait that a later claim (as permits come back) may take. */
export interface Claim {
  rows: ClaimedRow[];
  /** The room was filled, or rows wait behind a fifo line's open head (its end frees them). */
  backlog: boolean;
}

/**
 * Claims up to `room` waiting rows of this webhook for grant batch `batchId`: quota events
 * first, then the longest waiting. Rows this batch claimed before (the batch is repeated after
 * a crash) come back first and count against the room, so a repeat grants nothing twice.
 * SKIP LOCKED: a row being claimed elsewhere is left to that claim.
 */
export async function claimWaitingRows(db: Knex, input: ClaimInput): Promise<Claim> {
  // One statement (atomic, one round trip): it holds the webhook row until it ends, so a wake
  // reading the backlog flag (see wakeTarget) waits for its verdict. A block's claim finds the
  // webhook only while the block is the current one and the circuit closed.
  const block = input.block;
  const { rows } = await db.raw(`
    WITH webhook AS (
      SELECT id, ordering FROM webhooks WHERE id = :webhookId
         ${block && !block.lendMs ? `AND ${BLOCK_STILL_LENT}` : ''}
         FOR NO KEY UPDATE),
    before AS (SELECT d.id FROM deliveries AS d WHERE d.claim_batch = :batchId),
    picked AS (
      SELECT d.id FROM deliveries AS d JOIN events AS e ON e.id = d.event_id, webhook AS w
       WHERE d.webhook_id = w.id AND ${WAITING} AND ${DUE_NOW}
       ORDER BY e.type = ANY(:high) DESC, d.permit_wanted_at, d.id
       LIMIT GREATEST(0, :room - (SELECT count(*) FROM before))
         FOR UPDATE OF d SKIP LOCKED),
    claimed AS (
      UPDATE deliveries AS d
         SET permit_wanted_at = NULL, claim_batch = :batchId, claimed_at = now(), granted_at = NULL,
             lease_id = CASE WHEN d.workflow_started_at IS NULL AND d.attempt_count = 0 THEN d.id || ':first' ELSE d.id || '@' || :batchId END
        FROM picked WHERE d.id = picked.id
      RETURNING d.id, d.tenant_id, d.webhook_id, greatest(d.created_at, d.deliver_at) AS created_at, d.lease_id, d.workflow_started_at,
                d.event_id, d.retry_schedule_ms, d.trace_parent),
    full_room AS (SELECT (SELECT count(*) FROM before) + (SELECT count(*) FROM claimed) >= :room AS is_full),
    held_back AS (
      SELECT EXISTS (SELECT 1 FROM deliveries AS d, webhook AS w
        WHERE d.webhook_id = w.id AND ${IN_LINE} AND ${WAITING}
          AND (d.deliver_at IS NULL OR d.deliver_at <= now()) AND d.id NOT IN (SELECT id FROM claimed)) AS is_held),
    flag AS (
      UPDATE webhooks SET permit_backlog = (SELECT is_full FROM full_room)
             ${block?.lendMs ? ", permit_block_id = :blockId, permit_block_until = now() + :lendMs * interval '1 millisecond'" : ''}
       WHERE id = (SELECT id FROM webhook)
         AND (:lending OR permit_backlog IS DISTINCT FROM (SELECT is_full FROM full_room))),
    handed AS (
      SELECT c.id, c.tenant_id, c.webhook_id, c.created_at, c.lease_id, c.workflow_started_at, c.retry_schedule_ms, c.trace_parent, e.type AS event_type
        FROM claimed AS c JOIN events AS e ON e.id = c.event_id
      UNION ALL
      SELECT d.id, d.tenant_id, d.webhook_id, greatest(d.created_at, d.deliver_at), d.lease_id, d.workflow_started_at, d.retry_schedule_ms, d.trace_parent, e.type
        FROM deliveries AS d JOIN before AS b ON b.id = d.id JOIN events AS e ON e.id = d.event_id)
    -- One row at least (id null when nothing was claimed), carrying the backlog verdict.
    SELECT g.*, (SELECT is_full FROM full_room) OR (SELECT is_held FROM held_back) AS backlog
      FROM (SELECT 1) AS one LEFT JOIN handed AS g ON true`,
  {
    webhookId: input.webhookId, batchId: input.batchId, room: input.room, high: [...input.highPriorityTypes],
    lending: Boolean(block?.lendMs), ...(block ? { blockId: block.id, blockSize: block.size } : {}), ...(block?.lendMs ? { lendMs: block.lendMs } : {}),
  });
  const backlog = rows.length > 0 && rows[0].backlog === true;
  return { rows: rows.filter((r: { id: string | null }) => r.id !== null).map(({ backlog: _, ...row }: ClaimedRow & { backlog: boolean }) => row), backlog };
}

/**
 * A block's return: the webhook stops naming it (if it still did), so publishes wake the
 * endpoint again. Then, in a statement of its own (a snapshot after every wake that saw the
 * block), whether rows wait that may go now: the endpoint lends again at once if so.
 */
export async function endBlock(db: Knex, webhookId: string, blockId: string): Promise<{ waiting: boolean }> {
  await revokeBlock(db, webhookId, blockId);
  const { rows } = await db.raw(`SELECT 1 FROM deliveries AS d JOIN webhooks AS w ON w.id = d.webhook_id
    WHERE d.webhook_id = ? AND ${WAITING} AND ${DUE_NOW} LIMIT 1`, [webhookId]);
  return { waiting: rows.length > 0 };
}

/** Publishes tell the worker holding a webhook's block on this channel (payload: the webhook id). */
export const PERMIT_BLOCK_CHANNEL = 'continuum_permit_blocks';

/** Rows wait for the block lent to this webhook's endpoint: its holder claims them. */
export async function notifyBlockHolder(db: Knex, webhookId: string): Promise<void> {
  await db.raw('SELECT pg_notify(?, ?)', [PERMIT_BLOCK_CHANNEL, webhookId]);
}

/** The webhook names no block any more (only if it named `blockId`, when given): no block claims its rows. */
export async function revokeBlock(db: Knex, webhookId: string, blockId?: string): Promise<void> {
  await db('webhooks').where({ id: webhookId }).where((q) => (blockId === undefined ? q.whereNotNull('permit_block_id') : q.where({ permit_block_id: blockId })))
    .update({ permit_block_id: null, permit_block_until: null });
}

/**
 * What a wake needs of the webhook, with whether the endpoint's last claim filled its room
 * (then it claims again by itself as permits come back). Read FOR SHARE: a claim in progress
 * holds the row, so this waits for its verdict and never misses a row committed before it.
 */
export async function wakeTarget(db: Knex, webhookId: string) {
  return db('webhooks').where({ id: webhookId }).forShare()
    .first<(Pick<WebhookRow, 'id' | 'tenant_id' | 'active' | 'deleted_at' | 'max_concurrency' | 'rate_limit_per_s' | 'circuit_state'> & { permit_backlog: boolean; block_lent: boolean }) | undefined>(
      'id', 'tenant_id', 'active', 'deleted_at', 'max_concurrency', 'rate_limit_per_s', 'circuit_state', 'permit_backlog',
      db.raw('(permit_block_id IS NOT NULL AND permit_block_until > now()) AS block_lent'));
}

/**
 * The grant reached these claimed rows' workflows (started, or signalled): the claim is
 * complete. It keeps its batch id, so a repeat of the batch grants the same leases again.
 */
export async function markGranted(db: Knex, ids: string[], startedIds: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db('deliveries').whereIn('id', ids).update({
    granted_at: db.fn.now(),
    workflow_started_at: db.raw('CASE WHEN workflow_started_at IS NULL AND id = ANY(?) THEN now() ELSE workflow_started_at END', [startedIds]),
  });
}

/**
 * Rows a grant batch claimed but never completed (its endpoint run was terminated mid-batch)
 * go back to the queue. A batch that was only slow and completes after all is harmless: a
 * workflow granted twice takes one grant and gives the other back.
 */
export async function requeueStaleClaims(db: Knex, staleMs: number, blockStaleMs = staleMs): Promise<number> {
  const olderThan = (ms: number) => db.raw(`now() - (? * interval '1 millisecond')`, [ms]);
  return db('deliveries').whereNotNull('claim_batch').whereNull('granted_at').whereNotIn('status', [...FINAL_STATUSES])
    // A block's own claims (batch `<block id>.<n>`) are repeated by nobody but their block.
    .andWhere((q) => q.where('claimed_at', '<', olderThan(staleMs)).orWhere((b) => b.where('claim_batch', 'like', '%.%').andWhere('claimed_at', '<', olderThan(blockStaleMs))))
    .update({ permit_wanted_at: db.fn.now(), claim_batch: null, claimed_at: null });
}

/**
 * A started delivery asks for its next attempt's permit: its row joins the queue (shown as
 * waiting_circuit while the circuit is not closed). Undefined when there is nothing to deliver
 * to (delivery final, webhook inactive or deleted).
 */
export async function wantPermit(db: Knex, deliveryId: string) {
  const { rows } = await db.raw(`
    UPDATE deliveries AS d
       SET permit_wanted_at = clock_timestamp(),
           status = CASE WHEN w.circuit_state <> 'closed' THEN 'waiting_circuit' ELSE d.status END,
           next_attempt_at = CASE WHEN w.circuit_state <> 'closed' THEN NULL ELSE d.next_attempt_at END
      FROM webhooks AS w
     WHERE d.id = ? AND w.id = d.webhook_id AND d.status NOT IN ('succeeded','dead_lettered','cancelled')
       AND w.active AND w.deleted_at IS NULL
    RETURNING d.webhook_id, d.tenant_id, w.max_concurrency, w.rate_limit_per_s, d.status`, [deliveryId]);
  return rows[0] as { webhook_id: string; tenant_id: string; max_concurrency: number; rate_limit_per_s: number | null; status: string } | undefined;
}

/** Leaves the queue; false when a grant claimed the row first (the grant is on its way). */
export async function withdrawPermitRequest(db: Knex, deliveryId: string): Promise<boolean> {
  const changed = await db('deliveries').where({ id: deliveryId }).whereNotNull('permit_wanted_at').update({ permit_wanted_at: null });
  return changed > 0;
}

/** Webhooks with rows that have waited longer than `minAgeMs` (the sweep wakes their endpoints). */
export async function webhooksWithWaitingRows(db: Knex, minAgeMs: number): Promise<string[]> {
  // Rows that may go now only: a scheduled row not yet due, or one behind its line, needs no wake.
  const { rows } = await db.raw(`SELECT DISTINCT d.webhook_id FROM deliveries AS d JOIN webhooks AS w ON w.id = d.webhook_id
    WHERE ${WAITING} AND greatest(d.permit_wanted_at, d.deliver_at) < now() - (? * interval '1 millisecond') AND ${DUE_NOW}`, [minAgeMs]);
  return rows.map((r: { webhook_id: string }) => r.webhook_id);
}

/** Scheduled rows coming due within `withinMs`: their endpoints are woken when they do (see EndpointWaker.wakeAt). */
export async function scheduledRowsDue(db: Knex, withinMs: number): Promise<Array<{ webhookId: string; dueAt: Date }>> {
  const { rows } = await db.raw(`SELECT d.webhook_id, min(d.deliver_at) AS due_at FROM deliveries AS d
    WHERE d.deliver_at IS NOT NULL AND d.permit_wanted_at IS NOT NULL AND d.deliver_at > now() - interval '1 minute'
      AND d.deliver_at <= now() + (? * interval '1 millisecond') GROUP BY d.webhook_id`, [withinMs]);
  return rows.map((r: { webhook_id: string; due_at: Date }) => ({ webhookId: r.webhook_id, dueAt: r.due_at }));
}

/**
 * Dead-letters never-started rows the circuit held past the maximum delivery age (a started
 * delivery's own workflow keeps its deadline). Returns their ids.
 */
export async function expireHeldRows(db: Knex, maxAgeMs: number, error: string): Promise<string[]> {
  return db('deliveries').whereNotNull('permit_wanted_at').whereNull('workflow_started_at').where({ status: 'waiting_circuit' })
    // A scheduled delivery's age counts from its deliver_at.
    .andWhereRaw(`greatest(created_at, deliver_at) < now() - (? * interval '1 millisecond')`, [maxAgeMs])
    .update({ status: 'dead_lettered', last_error: error, completed_at: db.fn.now(), permit_wanted_at: null, next_attempt_at: null })
    .returning('id').then((rows: Array<{ id: string }>) => rows.map((r) => r.id));
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

/** Rows waiting for a permit, per webhook (the gate's queue as the API shows it). */
export async function countWaitingRows(db: Knex, webhookId: string): Promise<number> {
  const row = await db('deliveries').where({ webhook_id: webhookId }).whereNotNull('permit_wanted_at')
    .whereNotIn('status', [...FINAL_STATUSES]).count<{ count: string }>('* as count').first();
  return Number(row?.count ?? 0);
}
