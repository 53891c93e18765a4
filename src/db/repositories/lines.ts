// Fifo lines (docs/delivery.md, "Ordered delivery"): on a webhook with ordering 'fifo', deliveries with
// the same ordering key (or none) form a line, in the order of their places (`ordering_seq`).
// A delivery is first sent only when no delivery ahead of it in its line is still open. The
// claim (permitQueue.ts) enforces it; this file is the one home of what "ahead" means.
import type { Knex } from 'knex';

const OPEN = `('succeeded','dead_lettered','cancelled')`;

/** The open deliveries ahead of row `d` in its line (it has a place; its webhook's ordering is checked by the caller). */
const openAhead = (select: string) => `SELECT ${select} FROM deliveries AS ahead
   WHERE ahead.webhook_id = d.webhook_id AND coalesce(ahead.ordering_key, '') = coalesce(d.ordering_key, '')
     AND ahead.ordering_seq < d.ordering_seq AND ahead.status NOT IN ${OPEN}`;

/**
 * A waiting row `d` of webhook `w` may be claimed now: it is due (a scheduled delivery, not
 * before its deliver_at), and on a fifo webhook no delivery ahead of it in its line is open
 * (so the head's retries hold the line). The claim, the sweep and a block's return ask this.
 */
export const DUE_NOW = `(d.deliver_at IS NULL OR d.deliver_at <= now())
  AND (d.ordering_seq IS NULL OR w.ordering <> 'fifo' OR NOT EXISTS (${openAhead('1')}))`;

/** Row `d` of webhook `w` has a place in a line of a webhook that orders today. */
export const IN_LINE = `d.ordering_seq IS NOT NULL AND w.ordering = 'fifo'`;

/** The column `waiting_for` of deliveries `d`: the open delivery just ahead of it in its line, while it waits for it. */
export function waitingForColumn(db: Knex): Knex.Raw {
  return db.raw(`(SELECT (${openAhead('ahead.id')} ORDER BY ahead.ordering_seq DESC LIMIT 1)
     FROM webhooks AS w WHERE w.id = d.webhook_id AND ${IN_LINE} AND d.status NOT IN ${OPEN}) AS waiting_for`);
}

/**
 * Places come from one sequence, taken while holding a lock per webhook until the transaction
 * commits, taken in webhook id order (no deadlock): a publish that commits later always has
 * the later place, so a claim that sees a place sees every place before it.
 */
export async function lockLines(db: Knex, webhookIds: string[]): Promise<void> {
  for (const lock of lineLocks(webhookIds)) await db.raw(lock.sql, lock.bindings);
}

/** lockLines' statements, in their order (for a trip of several statements). */
export function lineLocks(webhookIds: string[]): Array<{ sql: string; bindings: string[] }> {
  return [...webhookIds].sort().map((id) => ({ sql: `SELECT pg_advisory_xact_lock(hashtextextended('continuum-line:' || ?, 0))`, bindings: [id] }));
}

/** The value of a new place (after lockLines, in the same transaction). */
export const nextPlace = (db: Knex): Knex.Raw => db.raw("nextval('delivery_ordering_seq')");

/**
 * A delivery reopened after it closed (manual retry, recovery) leaves its line: the line went
 * on without it, and it holds nobody back. A delivery still open keeps its place.
 */
export const placeOnReopen = (db: Knex): Knex.Raw => db.raw(`CASE WHEN status IN ${OPEN} THEN NULL ELSE ordering_seq END`);
