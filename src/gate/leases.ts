// The gate's counter (docs/permits.md): an attempt in flight is a row of gate_leases. Taking
// leases, handing them back and their expiry are here alone; the attempt's own use of its lease
// (confirm, and the release with its outcome) is in attempts.ts.
import type { Knex } from 'knex';
import type { DeliveryToStart } from '../db/types';
import { DUE_NOW } from '../db/repositories/lines';
import { prepared } from '../db/knex';
import { inOneTrip, runPrepared, type PreparedStatement } from '../db/oneTrip';

/** A lease taken for a delivery: start its workflow holding it (or signal it, started already). */
export interface LeasedRow extends DeliveryToStart {
  lease_id: string;
  probe: boolean;
  workflow_started_at: Date | null;
}

export interface ClaimResult {
  webhookId: string;
  rows: LeasedRow[];
  /** Rows were left waiting only for the rate limit: when its next whole token comes (ms from now). */
  nextTokenInMs: number | null;
}

export interface ClaimSettings {
  /** How long a lease lasts before its attempt confirms it (the workflow's start). */
  startTtlMs: number;
}

/** The delivery row `d` is not final. */
export const OPEN_STATUS = `d.status NOT IN ('succeeded','dead_lettered','cancelled')`;

/**
 * Takes the leases the webhook's gate has room for, one per due waiting row: quota events
 * first (the row's priority, fixed when it was stored), then the longest waiting, read in the
 * order of the queue's index; on a fifo webhook only each line's head (DUE_NOW). The room
 * is the capacity (the limit closed, one probe half-open, none open, none retired) minus the
 * unexpired leases, and no more than the rate limit's whole tokens, which the same statement
 * takes from the bucket in the webhook row (it holds one second's worth at most). Run inside a
 * transaction that has locked the webhook row (lockWebhook), so the count it reads is current
 * and no other claim of this webhook runs until commit. SKIP LOCKED leaves a row being
 * changed elsewhere (its attempt, a cancel) to the next claim.
 */
export async function takeLeases(tx: Knex.Transaction, webhookId: string, settings: ClaimSettings): Promise<ClaimResult> {
  return readTake(webhookId, await runPrepared(tx, takeStatement(webhookId, settings)));
}

/** The claim's statement (see takeLeases), to run alone or in one trip after the lock. */
export function takeStatement(webhookId: string, settings: ClaimSettings): PreparedStatement {
  return { name: 'gate_take_leases', sql: `
    WITH w AS (
      SELECT w.id, w.ordering, w.rate_limit_per_s AS rate, w.circuit_state = 'half_open' AS probe,
             CASE WHEN NOT w.active OR w.deleted_at IS NOT NULL THEN 0
                  WHEN w.circuit_state = 'closed' THEN w.max_concurrency
                  WHEN w.circuit_state = 'half_open' THEN 1 ELSE 0 END
             - (SELECT count(*) FROM gate_leases AS l WHERE l.webhook_id = w.id AND l.expires_at > now()) AS room,
             least(w.rate_limit_per_s, coalesce(w.rate_tokens, w.rate_limit_per_s)
               + extract(epoch FROM now() - coalesce(w.rate_refilled_at, now())) * w.rate_limit_per_s) AS tokens
        FROM webhooks AS w WHERE w.id = :webhookId),
    picked AS (
      SELECT d.id, d.permit_wanted_at FROM deliveries AS d, w
       WHERE d.webhook_id = w.id AND d.permit_wanted_at IS NOT NULL AND ${OPEN_STATUS} AND ${DUE_NOW}
       ORDER BY d.priority DESC, d.permit_wanted_at, d.id
       LIMIT (SELECT greatest(0, least(room, coalesce(floor(tokens), room)))::int FROM w)
         FOR UPDATE OF d SKIP LOCKED),
    leased AS (
      INSERT INTO gate_leases (id, webhook_id, delivery_id, probe, wanted_at, expires_at)
      SELECT 'lse_' || md5(p.id || clock_timestamp()::text || random()::text), :webhookId, p.id, (SELECT probe FROM w), p.permit_wanted_at,
             now() + :ttlMs * interval '1 millisecond'
        FROM picked AS p
      RETURNING id, delivery_id, probe),
    taken AS (
      UPDATE deliveries AS d SET permit_wanted_at = NULL FROM leased AS l WHERE d.id = l.delivery_id
      RETURNING d.id, d.tenant_id, d.webhook_id, greatest(d.created_at, d.deliver_at) AS created_at, d.workflow_started_at,
                d.event_id, d.retry_schedule_ms, d.trace_parent, l.id AS lease_id, l.probe),
    bucket AS (
      UPDATE webhooks SET rate_tokens = (SELECT tokens FROM w) - (SELECT count(*) FROM leased), rate_refilled_at = now()
       WHERE id = :webhookId AND rate_limit_per_s IS NOT NULL),
    -- The snapshot still shows the rows just taken as waiting: one more than those means more.
    left_waiting AS (
      SELECT count(*) > (SELECT count(*) FROM leased) AS more FROM (
        SELECT 1 FROM deliveries AS d, w WHERE d.webhook_id = w.id AND d.permit_wanted_at IS NOT NULL AND ${OPEN_STATUS} AND ${DUE_NOW}
         LIMIT (SELECT count(*) + 1 FROM leased)) AS waiting)
    SELECT t.id, t.tenant_id, t.webhook_id, t.created_at, t.workflow_started_at, t.retry_schedule_ms, t.trace_parent, t.lease_id, t.probe,
           e.type AS event_type, w.rate, w.room, w.tokens, (SELECT more FROM left_waiting) AS more
      FROM w LEFT JOIN (taken AS t JOIN events AS e ON e.id = t.event_id) ON true`,
  bindings: { webhookId, ttlMs: settings.startTtlMs } };
}

/** What a claim's statement returned. */
export function readTake(webhookId: string, rows: any[]): ClaimResult {
  if (rows.length === 0) return NONE_TAKEN(webhookId);
  const { rate, room, tokens, more } = rows[0];
  const leased = rows.filter((r: { id: string | null }) => r.id !== null).map(
    ({ rate: _r, room: _m, tokens: _t, more: _w, ...row }: LeasedRow & Record<string, unknown>) => row as LeasedRow);
  // Held back by the rate alone: the room was larger than the whole tokens, and rows still wait.
  const rateBound = rate !== null && more === true && Number(room) > leased.length;
  const left = Number(tokens) - leased.length;
  return { webhookId, rows: leased, nextTokenInMs: rateBound ? Math.max(1, Math.ceil(((1 - (left % 1)) * 1000) / Number(rate))) : null };
}

export interface LockedWebhook { id: string; circuit_state: 'closed' | 'open' | 'half_open'; circuit_failures: number; circuit_opened_at: Date | null }

/** Locks the webhook row for the gate's transaction: claims of one webhook run one at a time. */
export const lockStatement = (webhookId: string): PreparedStatement => ({
  name: 'gate_lock_webhook',
  sql: 'SELECT id, circuit_state, circuit_failures, circuit_opened_at FROM webhooks WHERE id = :webhookId FOR NO KEY UPDATE',
  bindings: { webhookId },
});

export async function lockWebhook(tx: Knex.Transaction, webhookId: string): Promise<LockedWebhook | undefined> {
  return (await runPrepared(tx, lockStatement(webhookId)))[0];
}

/** Nothing taken (no such webhook). */
export const NONE_TAKEN = (webhookId: string): ClaimResult => ({ webhookId, rows: [], nextTokenInMs: null });

/**
 * Takes the webhook's free leases in a transaction of its own, the lock and the claim in one
 * trip (src/db/oneTrip.ts): the row is locked only while Postgres runs them.
 */
export async function claimLeases(db: Knex, webhookId: string, settings: ClaimSettings): Promise<ClaimResult> {
  const [, taken] = await inOneTrip(db, [lockStatement(webhookId), takeStatement(webhookId, settings)]);
  return readTake(webhookId, taken.rows);
}

/**
 * Hands leases back unused: deleted by id (a repeat is a no-op). With `requeue`, the delivery
 * (still open) waits in the queue again, in its old place: its workflow could not be started or
 * told. Returns the webhooks whose room grew.
 */
export function giveBackLeases(db: Knex, leaseIds: string[], requeue: boolean): Promise<string[]> {
  if (leaseIds.length === 0) return Promise.resolve([]);
  return deleteLeases(db, 'by_id', 'id = ANY(:ids)', { ids: leaseIds }, requeue);
}

/**
 * Leases whose holder died (not confirmed within the start ttl, or an attempt past its bound)
 * are deleted, and their deliveries, still open, wait in the queue again in their old place.
 * Returns the webhooks whose room grew.
 */
export function expireLeases(db: Knex): Promise<string[]> {
  return deleteLeases(db, 'expired', 'expires_at <= now()', {}, true);
}

async function deleteLeases(db: Knex, name: 'by_id' | 'expired', where: string, bindings: Record<string, unknown>, requeue: boolean): Promise<string[]> {
  const { rows } = await db.raw(`
    WITH gone AS (DELETE FROM gate_leases WHERE ${where} RETURNING id, webhook_id, delivery_id, wanted_at),
    back AS (
      UPDATE deliveries AS d SET permit_wanted_at = coalesce(d.permit_wanted_at, g.wanted_at) FROM gone AS g
       WHERE :requeue AND d.id = g.delivery_id AND ${OPEN_STATUS}
         -- The statement's snapshot still holds the deleted rows: only another live lease counts.
         AND NOT EXISTS (SELECT 1 FROM gate_leases AS l WHERE l.delivery_id = d.id AND l.expires_at > now() AND l.id NOT IN (SELECT id FROM gone)))
    SELECT DISTINCT webhook_id FROM gone`, { ...bindings, requeue }).options(prepared(`gate_delete_leases_${name}`));
  return rows.map((r: { webhook_id: string }) => r.webhook_id);
}

/**
 * Leases handed to their workflow (started, or signalled while it waits) are held for `ttlMs`
 * (the attempt's bound): the holder is now durable, so a first task late behind a backlog
 * still finds its lease instead of it being claimed again. Never shortens one (an attempt may
 * have confirmed it first).
 */
export async function holdLeases(db: Knex, leaseIds: string[], ttlMs: number): Promise<void> {
  if (leaseIds.length === 0) return;
  await db.raw(`UPDATE gate_leases SET expires_at = greatest(expires_at, now() + :ttlMs * interval '1 millisecond')
    WHERE id = ANY(:ids) AND expires_at > now()`, { ids: leaseIds, ttlMs }).options(prepared('gate_hold_leases'));
}

/** Unexpired leases of a webhook: its attempts in flight. */
export async function countLeases(db: Knex, webhookId: string): Promise<number> {
  const row = await db('gate_leases').where({ webhook_id: webhookId }).andWhere('expires_at', '>', db.fn.now()).count<{ count: string }>('* as count').first();
  return Number(row?.count ?? 0);
}
