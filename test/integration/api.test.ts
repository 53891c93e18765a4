import assert from 'node:assert/strict';
import { validate as validateOpenApi } from '../helpers/openapiValidator';
import { createApiKey } from '../../src/db/repositories/apiKeys';
import { newId } from '../../src/db/ids';
import { verifyWebhookSignature } from '../../src';
import { Receiver } from '../helpers/receiver';
import { useTestStack, type TestSystem } from '../helpers/system';
import { eventually } from '../helpers/wait';

describe('management API', function () {
  const ctx = useTestStack();
  let stack: TestSystem;
  let receiver: Receiver;
  before(function () {
    ({ stack, receiver } = ctx);
  });

  const registered: string[] = [];
  async function register(body: Record<string, unknown> = {}) {
    const created = await stack.api('POST', '/webhooks', { url: receiver.url, events: ['memory.created'], name: 'api', ...body });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    registered.push(created.body.id);
    return created.body;
  }

  afterEach(async function () {
    // Each test's events reach only its own webhooks.
    for (const id of registered.splice(0)) await stack.api('DELETE', `/webhooks/${id}`);
  });

  it('create, get, list (active_only), patch and delete a webhook with the documented shapes', async function () {
    const created = await register({ description: 'first', max_concurrency: 4 });
    assert.deepEqual(Object.keys(created).sort(), ['active', 'created_at', 'description', 'disabled_at', 'disabled_reason', 'events', 'filter', 'headers', 'id', 'max_concurrency', 'name', 'ordering', 'rate_limit_per_s', 'retry_schedule', 'secret', 'updated_at', 'url']);
    assert.equal(created.disabled_reason, null);
    assert.equal(created.disabled_at, null);
    assert.match(created.secret, /^whs_[A-Za-z0-9+/=]{44}$/);
    const got = await stack.api('GET', `/webhooks/${created.id}`);
    assert.equal(got.body.secret, `whs_${'*'.repeat(32)}`, 'masked after creation');
    assert.deepEqual(got.body.circuit, { state: 'closed', consecutive_failures: 0, opened_at: null, half_open_at: null, in_flight: 0, queued: 0 });
    const inactive = await register({ active: false });

    const all = await stack.api('GET', '/webhooks');
    const activeOnly = await stack.api('GET', '/webhooks?active_only=true');
    assert.ok(all.body.data.some((w: { id: string }) => w.id === inactive.id));
    assert.ok(!activeOnly.body.data.some((w: { id: string }) => w.id === inactive.id));
    assert.ok(activeOnly.body.data.every((w: { active: boolean; secret: string }) => w.active && w.secret.includes('****')));

    const patched = await stack.api('PATCH', `/webhooks/${created.id}`, { name: 'renamed', events: ['sync.completed', 'sync.failed'], max_concurrency: 2 });
    assert.equal(patched.status, 200);
    assert.deepEqual([patched.body.name, patched.body.events, patched.body.max_concurrency], ['renamed', ['sync.completed', 'sync.failed'], 2]);
    const badUrl = await stack.api('PATCH', `/webhooks/${created.id}`, { url: 'https://10.0.0.1:99999/x' });
    assert.equal(badUrl.status, 400);
    const empty = await stack.api('PATCH', `/webhooks/${created.id}`, {});
    assert.equal(empty.status, 400);
    assert.equal((await stack.api('GET', `/webhooks/${created.id}`)).body.url, receiver.url, 'a refused patch changes nothing');

    assert.equal((await stack.api('DELETE', `/webhooks/${created.id}`)).status, 204);
    assert.equal((await stack.api('GET', `/webhooks/${created.id}`)).status, 404);
    assert.equal((await stack.api('DELETE', `/webhooks/${created.id}`)).status, 404);
  });

  it('test endpoint: a signed webhook.test through the delivery path, answered with its outcome', async function () {
    const webhook = await register();
    const before = receiver.requests.length;
    const tested = await stack.api('POST', `/webhooks/${webhook.id}/test`);
    assert.equal(tested.status, 200, JSON.stringify(tested.body));
    assert.deepEqual([tested.body.success, tested.body.status, tested.body.status_code, tested.body.error], [true, 'succeeded', 200, null]);
    assert.equal(typeof tested.body.duration_ms, 'number');
    const request = receiver.requests[before];
    assert.equal(request.headers['x-continuum-event'], 'webhook.test');
    assert.ok(verifyWebhookSignature({ payload: request.body, signature: request.headers['x-continuum-signature'] as string, timestamp: request.headers['x-continuum-timestamp'] as string, secret: webhook.secret }));
    const delivery = await stack.api('GET', `/webhooks/${webhook.id}/deliveries/${tested.body.delivery_id}`);
    assert.equal(delivery.body.attempts[0].trigger, 'test');
  });

  it('rotates the secret: both sign during the overlap', async function () {
    const webhook = await register();
    const rotated = await stack.api('POST', `/webhooks/${webhook.id}/secret/rotate`);
    assert.equal(rotated.status, 200);
    assert.notEqual(rotated.body.secret, webhook.secret);
    assert.ok(Date.parse(rotated.body.previous_secret_expires_at) - Date.now() > 23 * 3_600_000);
    const before = receiver.requests.length;
    await stack.api('POST', `/webhooks/${webhook.id}/test`);
    const request = receiver.requests[before];
    const signature = request.headers['x-continuum-signature'] as string;
    assert.equal(signature.split(' ').length, 2);
    for (const secret of [webhook.secret, rotated.body.secret]) {
      assert.ok(verifyWebhookSignature({ payload: request.body, signature, timestamp: request.headers['x-continuum-timestamp'] as string, secret }));
    }
  });

  it('lists deliveries newest first with total, limit, offset and status; one delivery with attempts', async function () {
    const webhook = await register();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await stack.api('POST', '/events', { event: 'memory.created', data: { memory_id: `m${i}` } })).body.delivery_ids[0]);
    await eventually('delivered', async () => (await stack.api('GET', `/webhooks/${webhook.id}/deliveries?status=succeeded`)).body.total === 3);
    const page = await stack.api('GET', `/webhooks/${webhook.id}/deliveries?limit=2&offset=0`);
    assert.equal(page.body.total, 3);
    assert.deepEqual(page.body.data.map((d: { id: string }) => d.id), [ids[2], ids[1]]);
    assert.deepEqual(Object.keys(page.body.data[0]).sort(), ['attempt_count', 'completed_at', 'created_at', 'deliver_at', 'error_message', 'event', 'event_id', 'id', 'last_status_code', 'next_attempt_at', 'ordering_key', 'status', 'waiting_for', 'webhook_id']);
    const next = await stack.api('GET', `/webhooks/${webhook.id}/deliveries?limit=2&offset=2`);
    assert.deepEqual(next.body.data.map((d: { id: string }) => d.id), [ids[0]]);
    assert.equal((await stack.api('GET', `/webhooks/${webhook.id}/deliveries?status=dead_lettered`)).body.total, 0);
    for (const bad of ['limit=0', 'limit=1001', 'offset=-1', 'status=lost']) {
      assert.equal((await stack.api('GET', `/webhooks/${webhook.id}/deliveries?${bad}`)).status, 400, bad);
    }
    const one = await stack.api('GET', `/webhooks/${webhook.id}/deliveries/${ids[0]}`);
    assert.equal(one.body.attempts.length, 1);
    assert.deepEqual(Object.keys(one.body.attempts[0]).sort(), ['attempt_number', 'duration_ms', 'error_message', 'response_body', 'started_at', 'status_code', 'trigger']);
    const event = await stack.api('GET', `/events/${one.body.event_id}`);
    assert.deepEqual(event.body.data, { memory_id: 'm0' });
    assert.equal(event.body.deliveries[0].id, ids[0]);
  });

  it('computes statistics in SQL from known data, and zeros without data', async function () {
    const webhook = await register({ active: false });
    const empty = await stack.api('GET', `/webhooks/${webhook.id}/stats`);
    assert.deepEqual(empty.body, { total_deliveries: 0, successful_deliveries: 0, failed_deliveries: 0, success_rate: 0, avg_duration_ms: 0, last_24h_deliveries: 0, last_24h_success_rate: 0 });

    const db = stack.system.db;
    const eventId = newId('evt');
    await db('events').insert({ id: eventId, tenant_id: 'tenant_a', type: 'memory.created', payload: {}, body: '{}' });
    const old = new Date(Date.now() - 48 * 3_600_000);
    const rows = ['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'dead_lettered', 'dead_lettered']
      .map((status, i) => ({ id: newId('del'), tenant_id: 'tenant_a', webhook_id: webhook.id, event_id: eventId, status, created_at: i < 2 ? old : new Date() }));
    await db('deliveries').insert(rows);
    await db('delivery_attempts').insert(rows.map((row, i) => ({ delivery_id: row.id, attempt_number: 1, started_at: new Date(), duration_ms: (i + 1) * 10, status_code: 200 })));
    const stats = await stack.api('GET', `/webhooks/${webhook.id}/stats`);
    // 5/7 succeeded; attempts 10..70 ms; the last 24 h hold 5 deliveries, 3 succeeded.
    assert.deepEqual(stats.body, { total_deliveries: 7, successful_deliveries: 5, failed_deliveries: 2, success_rate: 71.4, avg_duration_ms: 40, last_24h_deliveries: 5, last_24h_success_rate: 60 });
  });

  it('serves Prometheus metrics and a valid OpenAPI 3.1 document listing every route', async function () {
    const metrics = await fetch(`${stack.system.apiUrl}/metrics`);
    const text = await metrics.text();
    for (const name of ['continuum_http_request_duration_seconds', 'continuum_delivery_attempts_total', 'continuum_delivery_attempt_duration_seconds', 'continuum_queue_depth', 'continuum_open_circuits', 'continuum_deliveries']) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
    }
    assert.match(text, /continuum_delivery_attempts_total\{outcome="success"\} [1-9]/);
    const doc = await stack.api('GET', '/openapi.json', undefined, { key: null });
    assert.equal(doc.status, 200);
    await validateOpenApi(doc.body);
    const documented = Object.entries(doc.body.paths).flatMap(([path, ops]) => Object.keys(ops as object).map((m) => `${m.toUpperCase()} ${path}`)).sort();
    assert.deepEqual(documented, stack.system.routes.sort());
    assert.ok(documented.length >= 17, `${documented.length} routes`);
  });

  it('publish is idempotent by idempotency_key; reusing a key for other data is a conflict', async function () {
    await register();
    const body = { event: 'memory.created', data: { memory_id: 'idem' }, idempotency_key: 'order-42' };
    const first = await stack.api('POST', '/events', body);
    const again = await stack.api('POST', '/events', body);
    assert.equal(again.status, 202);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual([again.body.id, again.body.delivery_ids], [first.body.id, first.body.delivery_ids]);
    const conflict = await stack.api('POST', '/events', { ...body, data: { memory_id: 'other' } });
    assert.equal(conflict.status, 409);
    assert.equal(conflict.body.error.code, 'conflict');
    const rows = await stack.system.db('events').where({ idempotency_key: 'order-42' });
    assert.equal(rows.length, 1);
  });

  it('concurrent publishes with one idempotency_key store one event and one set of deliveries, and all answer it', async function () {
    await register();
    const body = { event: 'memory.created', data: { memory_id: 'race' }, idempotency_key: 'order-race' };
    const answers = await Promise.all(Array.from({ length: 6 }, () => stack.api('POST', '/events', body)));
    assert.deepEqual(answers.map((a) => a.status), [202, 202, 202, 202, 202, 202]);
    assert.equal(new Set(answers.map((a) => a.body.id)).size, 1, 'one event id in every answer');
    assert.equal(answers.filter((a) => a.headers.get('idempotent-replayed') !== 'true').length, 1, 'one stored it, the others replayed it');
    const [event] = await stack.system.db('events').where({ idempotency_key: 'order-race' });
    const deliveries = await stack.system.db('deliveries').where({ event_id: event.id });
    assert.deepEqual(deliveries.map((d) => d.id).sort(), [...answers[0].body.delivery_ids].sort());
  });

  it('health: healthy, then degraded above 1000 queued deliveries', async function () {
    const healthy = await stack.api('GET', '/webhooks/health', undefined, { key: null });
    assert.equal(healthy.status, 200);
    assert.deepEqual(Object.keys(healthy.body).sort(), ['database', 'dependencies', 'oldest_pending_seconds', 'open_circuits', 'queue_depth', 'status', 'temporal']);
    assert.deepEqual([healthy.body.status, healthy.body.database, healthy.body.temporal], ['healthy', 'up', 'up']);
    for (const name of ['database', 'temporal']) {
      const dependency = healthy.body.dependencies[name];
      assert.equal(dependency.status, 'up');
      assert.ok(Date.parse(dependency.since) <= Date.parse(dependency.checked_at), `${name}: checked since it came up`);
    }
    const webhook = await register({ active: false });
    const eventId = newId('evt');
    const db = stack.system.db;
    await db('events').insert({ id: eventId, tenant_id: 'tenant_a', type: 'memory.created', payload: {}, body: '{}' });
    // Rows of started deliveries, not final.
    const queued = Array.from({ length: 1001 }, () => ({ id: newId('del'), tenant_id: 'tenant_a', webhook_id: webhook.id, event_id: eventId, status: 'retrying', workflow_started_at: new Date(), created_at: new Date(Date.now() - 60_000) }));
    await db.batchInsert('deliveries', queued, 500);
    const degraded = await stack.api('GET', '/webhooks/health', undefined, { key: null });
    assert.equal(degraded.status, 200);
    assert.equal(degraded.body.status, 'degraded');
    assert.ok(degraded.body.queue_depth >= 1001);
    assert.ok(degraded.body.oldest_pending_seconds >= 59);
    await db('deliveries').where({ webhook_id: webhook.id }).delete();
  });

  it('tenant isolation: every route answers 404 to another tenant and changes nothing', async function () {
    const webhook = await register();
    const published = await stack.api('POST', '/events', { event: 'memory.created', data: { memory_id: 'iso' } });
    const [deliveryId] = published.body.delivery_ids;
    const eventId = published.body.id;
    await eventually('delivered', async () => (await stack.api('GET', `/webhooks/${webhook.id}/deliveries/${deliveryId}`)).body.status === 'succeeded');
    const other = (await createApiKey(stack.system.db, { tenantId: 'tenant_b' })).key;
    const snapshot = async () => JSON.stringify(await stack.system.db('webhooks').where({ id: webhook.id }).first()) +
      JSON.stringify(await stack.system.db('deliveries').where({ id: deliveryId }).first()) +
      (await stack.system.db('delivery_attempts').where({ delivery_id: deliveryId }).count('* as n').first())?.n;
    const portalSessionId = (await stack.api('POST', '/portal/sessions', {})).body.id;
    const w = `/webhooks/${webhook.id}`;
    const recovery = await stack.api('POST', `${w}/recover`, { since: new Date(Date.now() - 3_600_000).toISOString(), statuses: ['cancelled'] });
    assert.equal(recovery.status, 202, JSON.stringify(recovery.body));
    const recoveryId = recovery.body.id as string;
    const recoveries = await stack.system.db('recoveries').count('* as n').first();
    const before = await snapshot();
    const calls: Array<[string, string, unknown?]> = [
      ['GET', w], ['PATCH', w, { name: 'stolen' }], ['DELETE', w], ['GET', `${w}/deliveries`], ['GET', `${w}/deliveries/${deliveryId}`],
      ['GET', `${w}/stats`], ['GET', `${w}/stats/timeseries`], ['POST', `${w}/retry/${deliveryId}`], ['POST', `${w}/circuit/reset`],
      ['POST', `${w}/filter/test`, { event: 'memory.created', data: { memory_id: 'm' } }],
      ['POST', `${w}/test`], ['POST', `${w}/secret/rotate`], ['GET', `/events/${eventId}`], ['POST', `/events/${eventId}/redeliver`],
      ['POST', `${w}/recover`, { since: new Date(Date.now() - 60_000).toISOString() }], ['GET', `/recoveries/${recoveryId}`],
      ['DELETE', `/portal/sessions/${portalSessionId}`],
    ];
    const coveredRoutes = new Set(calls.map(([m, p]) => `${m} ${p.replace(webhook.id, '{webhookId}').replace(deliveryId, '{deliveryId}')
      .replace(eventId, '{eventId}').replace(recoveryId, '{recoveryId}').replace(portalSessionId, '{portalSessionId}')}`));
    const idRoutes = stack.system.routes.filter((r) => r.includes('{')).map((r) => r.replace('/api/v1', ''));
    assert.deepEqual([...coveredRoutes].sort(), idRoutes.sort(), 'the table covers every route that takes an id');
    for (const [method, path, body] of calls) {
      const response = await stack.api(method, path, body, { key: other });
      assert.equal(response.status, 404, `${method} ${path}: ${JSON.stringify(response.body)}`);
      assert.equal(response.body.error.code, 'not_found');
    }
    assert.equal(await snapshot(), before);
    assert.deepEqual(await stack.system.db('recoveries').count('* as n').first(), recoveries);
    assert.equal((await stack.system.db('portal_sessions').where({ id: portalSessionId }).first()).revoked_at, null);
  });
});
