import assert from 'node:assert/strict';
import { createApiKey } from '../../src/db/repositories/apiKeys';
import type { Timeseries } from '../../src/api/responses';
import { storeDelivery, tableCounts } from '../helpers/rows';
import { useTestStack, type TestSystem } from '../helpers/system';
import { eventually } from '../helpers/wait';

const HOUR = 3_600_000;

interface Planted {
  createdAt: number;
  status: string;
  /** [minutes after the delivery's creation, duration ms, status code or null]. */
  attempts: Array<[number, number, number | null]>;
}

/** Postgres' percentile_cont: linear interpolation between the closest ranks. */
function percentileCont(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = fraction * (sorted.length - 1);
  const low = Math.floor(rank);
  return sorted[low] + (sorted[Math.min(low + 1, sorted.length - 1)] - sorted[low]) * (rank - low);
}

const round1 = (value: number) => Math.round(value * 10) / 10;

describe('GET /webhooks/{id}/stats/timeseries', function () {
  const ctx = useTestStack();
  let stack: TestSystem;
  let webhookId: string;
  const planted: Planted[] = [];

  before(async function () {
    stack = ctx.stack;
    const created = await stack.api('POST', '/webhooks', { url: ctx.receiver.url, events: ['memory.created'], name: 'chart' });
    webhookId = created.body.id;
    const now = Date.now();
    // Deliveries spread over the last 30 hours (some before the 24 h window), each with an outcome and attempts.
    const plan: Array<[number, string, Planted['attempts']]> = [
      [2.5, 'succeeded', [[0, 120, 200]]], [2.4, 'dead_lettered', [[0, 300, 500], [1, 500, 503], [2, 900, null]]],
      [2.3, 'succeeded', [[0, 80, 500], [3, 40, 204]]], [5.1, 'retrying', [[0, 1000, 502]]], [5.2, 'pending', []],
      [9.9, 'cancelled', [[0, 10, 410]]], [23.5, 'succeeded', [[0, 60, 200]]], [27, 'succeeded', [[0, 70, 200]]],
    ];
    for (const [hoursAgo, status, attempts] of plan) {
      const createdAt = new Date(now - hoursAgo * HOUR);
      const { deliveryId } = await storeDelivery(stack.system.db, { tenantId: 'tenant_a', webhookId, type: 'memory.created', data: { memory_id: 'm' }, createdAt });
      // Out of the permit queue: no grant may deliver these planted rows.
      await stack.system.db('deliveries').where({ id: deliveryId }).update({ status, attempt_count: attempts.length, workflow_started_at: createdAt, permit_wanted_at: null });
      for (const [i, [minutes, duration, code]] of attempts.entries()) {
        await stack.system.db('delivery_attempts').insert({
          delivery_id: deliveryId, attempt_number: i + 1, started_at: new Date(createdAt.getTime() + minutes * 60_000),
          duration_ms: duration, status_code: code, trigger: 'scheduled',
        });
      }
      planted.push({ createdAt: createdAt.getTime(), status, attempts });
    }
  });

  /** What each bucket of a response must hold, from the rows this test planted (and any it delivered). */
  function expected(series: Timeseries, bucketMs: number) {
    return series.buckets.map((bucket) => {
      const from = Date.parse(bucket.start);
      const inside = (t: number) => t >= from && t < from + bucketMs;
      const deliveries = planted.filter((p) => inside(p.createdAt));
      const attempts = planted.flatMap((p) => p.attempts.map(([minutes, duration, code]) => ({ at: p.createdAt + minutes * 60_000, duration, code })))
        .filter((a) => inside(a.at));
      const durations = attempts.map((a) => a.duration);
      const by = (status: string) => deliveries.filter((p) => p.status === status).length;
      return {
        start: bucket.start, deliveries: deliveries.length, succeeded: by('succeeded'), failed: by('dead_lettered'), cancelled: by('cancelled'),
        pending: deliveries.length - by('succeeded') - by('dead_lettered') - by('cancelled'),
        attempts: attempts.length, failed_attempts: attempts.filter((a) => a.code === null || a.code < 200 || a.code > 299).length,
        avg_duration_ms: durations.length ? round1(durations.reduce((a, b) => a + b, 0) / durations.length) : 0,
        p95_duration_ms: durations.length ? round1(percentileCont(durations, 0.95)) : 0,
      };
    });
  }

  it('24h by 1h (the default): 24 hourly buckets, oldest first, each counting what was planted in it', async function () {
    const response = await stack.api('GET', `/webhooks/${webhookId}/stats/timeseries`);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const series = response.body as Timeseries;
    assert.deepEqual([series.window, series.bucket, series.buckets.length], ['24h', '1h', 24]);
    const starts = series.buckets.map((b) => Date.parse(b.start));
    assert.ok(starts.every((start, i) => start % HOUR === 0 && (i === 0 || start - starts[i - 1] === HOUR)), 'consecutive hours, oldest first');
    assert.ok(starts[23] <= Date.now() && Date.now() < starts[23] + HOUR, 'the last bucket is the current hour');
    assert.deepEqual(series.buckets, expected(series, HOUR));
    const totals = series.buckets.reduce((sum, b) => sum + b.deliveries, 0);
    assert.equal(totals, planted.filter((p) => p.createdAt >= starts[0]).length, 'every delivery of the window, once');
    assert.ok(series.buckets.some((b) => b.deliveries === 0 && b.attempts === 0 && b.p95_duration_ms === 0), 'empty buckets are present with zeros');
    const sum = (field: 'failed' | 'pending' | 'cancelled' | 'failed_attempts') => series.buckets.reduce((total, b) => total + b[field], 0);
    assert.deepEqual([sum('failed'), sum('pending'), sum('cancelled'), sum('failed_attempts')], [1, 2, 1, 6], 'the planted outcomes, each once');
  });

  it('a real delivery shows up succeeded with its attempt in the current bucket', async function () {
    const published = await stack.api('POST', '/events', { event: 'memory.created', data: { memory_id: 'live' } });
    const [deliveryId] = published.body.delivery_ids;
    const delivered = await eventually('delivered', async () => {
      const got = await stack.api('GET', `/webhooks/${webhookId}/deliveries/${deliveryId}`);
      return got.body.status === 'succeeded' && got.body;
    });
    const attempt = delivered.attempts[0];
    planted.push({ createdAt: Date.parse(delivered.created_at), status: 'succeeded', attempts: [[(Date.parse(attempt.started_at) - Date.parse(delivered.created_at)) / 60_000, attempt.duration_ms, attempt.status_code]] });
    const series = (await stack.api('GET', `/webhooks/${webhookId}/stats/timeseries?window=2h&bucket=1m`)).body as Timeseries;
    assert.equal(series.buckets.length, 120);
    assert.deepEqual(series.buckets, expected(series, 60_000));
    assert.ok(series.buckets.some((b) => b.succeeded >= 1 && b.attempts >= 1));
  });

  it('other windows and buckets: 7d by 1d, 500 buckets of 1m, 90m by 30m', async function () {
    for (const [query, count, bucketMs] of [['window=7d&bucket=1d', 7, 86_400_000], ['window=500m&bucket=1m', 500, 60_000], ['window=90m&bucket=30m', 3, 1_800_000]] as const) {
      const response = await stack.api('GET', `/webhooks/${webhookId}/stats/timeseries?${query}`);
      assert.equal(response.status, 200, `${query}: ${JSON.stringify(response.body)}`);
      assert.equal(response.body.buckets.length, count, query);
      assert.deepEqual(response.body.buckets, expected(response.body, bucketMs), query);
    }
  });

  it('bad window or bucket: 400 naming the parameter; another tenant\'s webhook: 404', async function () {
    const before = await tableCounts(stack.system.db);
    const cases: Array<[string, string]> = [
      ['window=8d', 'query.window'], ['window=abc', 'query.window'], ['window=0m', 'query.window'], ['bucket=30s', 'query.bucket'],
      ['bucket=-1h', 'query.bucket'], ['window=24h&bucket=7h', 'query.bucket'], ['window=7d&bucket=1m', 'query.bucket'],
      ['window=1h&bucket=2h', 'query.bucket'], ['window=24h%00', 'query.window'],
    ];
    for (const [query, field] of cases) {
      const response = await stack.api('GET', `/webhooks/${webhookId}/stats/timeseries?${query}`);
      assert.equal(response.status, 400, query);
      assert.ok(response.body.error.details.some((d: { field: string }) => d.field === field), `${query}: ${JSON.stringify(response.body.error.details)}`);
    }
    const other = (await createApiKey(stack.system.db, { tenantId: 'tenant_b' })).key;
    assert.equal((await stack.api('GET', `/webhooks/${webhookId}/stats/timeseries`, undefined, { key: other })).status, 404);
    assert.deepEqual(await tableCounts(stack.system.db), before);
  });
});
