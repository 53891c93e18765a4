import type { Knex } from 'knex';
import { FINAL_STATUSES } from '../types';

export interface PrunedRows {
  deliveries: number;
  attempts: number;
  events: number;
  /** Finished bulk recoveries (their items go with them). */
  recoveries: number;
  /** Portal sessions expired or revoked before the cutoff. */
  portal_sessions: number;
}

const ENDED = {
  recoveries: `status <> 'running' AND completed_at < :cutoff`,
  portal_sessions: '(expires_at < :cutoff OR revoked_at < :cutoff)',
};

/** Deletes up to `batch` finished recoveries or ended portal sessions from before `cutoff`. */
export async function pruneEnded(db: Knex, table: keyof typeof ENDED, cutoff: Date, batch: number): Promise<number> {
  const { rowCount } = await db.raw(
    `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE ${ENDED[table]} LIMIT :batch FOR UPDATE SKIP LOCKED)`,
    { cutoff, batch },
  );
  return rowCount ?? 0;
}

const FINISHED = `status IN (${FINAL_STATUSES.map((s) => `'${s}'`).join(', ')})`;

/**
 * Deletes up to `batch` deliveries finished before `cutoff`, with their attempts, in one
 * statement (the foreign key is checked at its end, when both are gone). Rows another
 * transaction holds (a manual retry reopening one) are skipped and looked at next time.
 */
export async function pruneFinishedDeliveries(db: Knex, cutoff: Date, batch: number): Promise<Pick<PrunedRows, 'deliveries' | 'attempts'>> {
  const { rows } = await db.raw(
    `WITH doomed AS (
       SELECT id FROM deliveries WHERE ${FINISHED} AND completed_at < :cutoff
        ORDER BY completed_at LIMIT :batch FOR UPDATE SKIP LOCKED
     ), attempts AS (
       DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM doomed) RETURNING 1
     ), gone AS (
       DELETE FROM deliveries WHERE id IN (SELECT id FROM doomed) RETURNING 1
     )
     SELECT (SELECT count(*) FROM gone)::int AS deliveries, (SELECT count(*) FROM attempts)::int AS attempts`,
    { cutoff, batch },
  );
  return rows[0];
}

/** Deletes up to `batch` events created before `cutoff` that no delivery refers to any more. */
export async function pruneEvents(db: Knex, cutoff: Date, batch: number): Promise<number> {
  const { rowCount } = await db.raw(
    `WITH doomed AS (
       SELECT e.id FROM events e
        WHERE e.created_at < :cutoff AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id)
        ORDER BY e.created_at LIMIT :batch FOR UPDATE SKIP LOCKED
     )
     DELETE FROM events WHERE id IN (SELECT id FROM doomed)`,
    { cutoff, batch },
  );
  return rowCount ?? 0;
}

/** What a pass would delete now: finished deliveries and their attempts, and the events left without any. */
export async function countPrunable(db: Knex, cutoff: Date): Promise<PrunedRows> {
  const { rows } = await db.raw(
    `WITH doomed AS (SELECT id, event_id FROM deliveries WHERE ${FINISHED} AND completed_at < :cutoff)
     SELECT
       (SELECT count(*) FROM doomed)::int AS deliveries,
       (SELECT count(*) FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM doomed))::int AS attempts,
       (SELECT count(*) FROM events e WHERE e.created_at < :cutoff
          AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND d.id NOT IN (SELECT id FROM doomed)))::int AS events,
       (SELECT count(*) FROM recoveries WHERE ${ENDED.recoveries})::int AS recoveries,
       (SELECT count(*) FROM portal_sessions WHERE ${ENDED.portal_sessions})::int AS portal_sessions`,
    { cutoff },
  );
  return rows[0];
}

/** The database's own now() minus the retention: completion times are written with the database's clock too. */
export async function retentionCutoff(db: Knex, retentionMs: number): Promise<Date> {
  const { rows } = await db.raw(`SELECT now() - :retentionMs * interval '1 millisecond' AS cutoff`, { retentionMs });
  return rows[0].cutoff;
}
