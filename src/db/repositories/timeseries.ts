import type { Knex } from 'knex';

export interface TimeseriesBucketCounts {
  start: Date;
  deliveries: number;
  succeeded: number;
  failed: number;
  pending: number;
  cancelled: number;
  attempts: number;
  failed_attempts: number;
  avg_duration_ms: number;
  p95_duration_ms: number;
}

export interface TimeseriesRange {
  start: Date;
  end: Date;
  bucketMs: number;
}

/**
 * The window's buckets, aligned to multiples of the bucket since the Unix epoch (UTC), the
 * last one holding `now`: "24h by 1h" is the current hour and the 23 before it.
 */
export function timeseriesRange(now: Date, windowMs: number, bucketMs: number): TimeseriesRange {
  const end = Math.floor(now.getTime() / bucketMs) * bucketMs + bucketMs;
  return { start: new Date(end - windowMs), end: new Date(end), bucketMs };
}

const round1 = (value: number | null) => (value === null ? 0 : Math.round(Number(value) * 10) / 10);

// Bucket index from the offset in the window (an interval: exact, unlike epoch doubles).
const BUCKET = (column: string) => `floor(extract(epoch from (${column} - CAST(:start AS timestamptz))) * 1000 / :bucketMs)::int`;

/**
 * Deliveries created in each bucket, split by their outcome so far, and the attempts started
 * in each bucket with their latency. Every bucket of the range is returned, oldest first.
 */
export async function webhookTimeseries(db: Knex, tenantId: string, webhookId: string, range: TimeseriesRange): Promise<TimeseriesBucketCounts[]> {
  const params = { tenantId, webhookId, start: range.start, end: range.end, bucketMs: range.bucketMs };
  const [deliveries, attempts] = await Promise.all([
    db.raw(
      `SELECT ${BUCKET('created_at')} AS i, count(*)::int AS deliveries,
         count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded,
         count(*) FILTER (WHERE status = 'dead_lettered')::int AS failed,
         count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled
       FROM deliveries
       WHERE tenant_id = :tenantId AND webhook_id = :webhookId AND created_at >= :start AND created_at < :end
       GROUP BY 1`,
      params,
    ),
    db.raw(
      `SELECT ${BUCKET('a.started_at')} AS i, count(*)::int AS attempts,
         count(*) FILTER (WHERE a.status_code IS NULL OR a.status_code NOT BETWEEN 200 AND 299)::int AS failed_attempts,
         avg(a.duration_ms)::float AS avg_ms,
         percentile_cont(0.95) WITHIN GROUP (ORDER BY a.duration_ms)::float AS p95_ms
       FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
       WHERE d.tenant_id = :tenantId AND d.webhook_id = :webhookId AND a.started_at >= :start AND a.started_at < :end
       GROUP BY 1`,
      params,
    ),
  ]);
  const count = Math.round((range.end.getTime() - range.start.getTime()) / range.bucketMs);
  const buckets: TimeseriesBucketCounts[] = Array.from({ length: count }, (_, i) => ({
    start: new Date(range.start.getTime() + i * range.bucketMs),
    deliveries: 0, succeeded: 0, failed: 0, pending: 0, cancelled: 0, attempts: 0, failed_attempts: 0, avg_duration_ms: 0, p95_duration_ms: 0,
  }));
  for (const row of deliveries.rows) {
    const bucket = buckets[row.i];
    Object.assign(bucket, { deliveries: row.deliveries, succeeded: row.succeeded, failed: row.failed, cancelled: row.cancelled });
    bucket.pending = row.deliveries - row.succeeded - row.failed - row.cancelled;
  }
  for (const row of attempts.rows) {
    Object.assign(buckets[row.i], {
      attempts: row.attempts, failed_attempts: row.failed_attempts, avg_duration_ms: round1(row.avg_ms), p95_duration_ms: round1(row.p95_ms),
    });
  }
  return buckets;
}
