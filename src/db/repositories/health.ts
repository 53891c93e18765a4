import type { Knex } from 'knex';
import { FINAL_STATUSES } from '../types';

export interface QueueStats {
  queueDepth: number;
  oldestPendingSeconds: number | null;
}

/**
 * Deliveries not yet final, across all tenants (health is an operator view). A scheduled one
 * counts from its deliver_at: before, it is not late, only waiting for its time.
 */
export async function queueStats(db: Knex): Promise<QueueStats> {
  const row = await db('deliveries')
    .whereNotIn('status', [...FINAL_STATUSES])
    .andWhere((q) => q.whereNull('deliver_at').orWhere('deliver_at', '<=', db.fn.now()))
    .first(db.raw('count(*)::int as depth'), db.raw('extract(epoch from now() - min(greatest(created_at, deliver_at)))::float as oldest'));
  return { queueDepth: row?.depth ?? 0, oldestPendingSeconds: row?.oldest === null || row?.oldest === undefined ? null : Math.round(row.oldest) };
}

/** Open or half-open circuits of active webhooks (a disabled webhook's endpoint workflow has ended). */
export async function countOpenCircuits(db: Knex): Promise<number> {
  const row = await db('webhooks').where({ active: true }).whereNull('deleted_at').whereIn('circuit_state', ['open', 'half_open']).first(db.raw('count(*)::int as n'));
  return row?.n ?? 0;
}

export async function countByStatus(db: Knex): Promise<Array<{ status: string; n: number }>> {
  return db('deliveries').groupBy('status').select('status', db.raw('count(*)::int as n'));
}
