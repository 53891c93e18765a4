import type { Knex } from 'knex';
import { waitingForColumn } from './lines';
import type { AttemptRow, DeliveryStatus } from '../types';
import type { DeliveryWithType } from './deliveries';

export interface DeliveryPage {
  rows: DeliveryWithType[];
  total: number;
}

/** A webhook's deliveries, newest first, with the total for pagination. */
export async function listDeliveries(
  db: Knex,
  tenantId: string,
  webhookId: string,
  page: { limit: number; offset: number; status?: DeliveryStatus },
): Promise<DeliveryPage> {
  const base = db('deliveries as d').where({ 'd.tenant_id': tenantId, 'd.webhook_id': webhookId });
  if (page.status) base.andWhere('d.status', page.status);
  const [rows, count] = await Promise.all([
    base.clone()
      .join('events as e', 'e.id', 'd.event_id')
      .orderBy([{ column: 'd.created_at', order: 'desc' }, { column: 'd.id', order: 'desc' }])
      .limit(page.limit)
      .offset(page.offset)
      .select('d.*', 'e.type as event_type', waitingForColumn(db)),
    base.clone().count<{ n: string }[]>('* as n').first(),
  ]);
  return { rows, total: Number(count?.n ?? 0) };
}

export async function listAttempts(db: Knex, deliveryId: string): Promise<AttemptRow[]> {
  return db('delivery_attempts').where({ delivery_id: deliveryId }).orderBy('attempt_number');
}

export interface WebhookStats {
  total_deliveries: number;
  successful_deliveries: number;
  failed_deliveries: number;
  success_rate: number;
  avg_duration_ms: number;
  last_24h_deliveries: number;
  last_24h_success_rate: number;
}

/**
 * The spec's statistics, computed in SQL. Failed = dead-lettered; rates are percentages of
 * all deliveries with one decimal, 0 when there are none.
 */
export async function webhookStats(db: Knex, tenantId: string, webhookId: string): Promise<WebhookStats> {
  const { rows } = await db.raw(
    `SELECT
       count(*)::int AS total,
       count(*) FILTER (WHERE status = 'succeeded')::int AS successful,
       count(*) FILTER (WHERE status = 'dead_lettered')::int AS failed,
       count(*) FILTER (WHERE created_at > now() - interval '24 hours')::int AS day_total,
       count(*) FILTER (WHERE created_at > now() - interval '24 hours' AND status = 'succeeded')::int AS day_successful,
       (SELECT coalesce(round(avg(a.duration_ms)::numeric, 1), 0)::float
          FROM delivery_attempts a JOIN deliveries d2 ON d2.id = a.delivery_id
         WHERE d2.tenant_id = :tenantId AND d2.webhook_id = :webhookId) AS avg_duration
     FROM deliveries WHERE tenant_id = :tenantId AND webhook_id = :webhookId`,
    { tenantId, webhookId },
  );
  const r = rows[0];
  const rate = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 1000) / 10);
  return {
    total_deliveries: r.total,
    successful_deliveries: r.successful,
    failed_deliveries: r.failed,
    success_rate: rate(r.successful, r.total),
    avg_duration_ms: r.avg_duration,
    last_24h_deliveries: r.day_total,
    last_24h_success_rate: rate(r.day_successful, r.day_total),
  };
}
