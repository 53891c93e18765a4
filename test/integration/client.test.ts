import assert from 'node:assert/strict';
import { ApiError, createClient, type Client, type FetchLike } from '../../src';
import { checkResponse } from '../helpers/responseCheck';
import { useTestStack } from '../helpers/system';
import { eventually } from '../helpers/wait';

/** The global fetch, with every real response checked against its documented schema. */
const checkedFetch: FetchLike = async (url, init) => {
  const response = await fetch(url, init);
  const text = await response.clone().text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: checked as text
  }
  checkResponse(init.method, new URL(url).pathname, response.status, body);
  return response;
};

/** The ApiError a call rejects with (fails when it resolves or rejects with anything else). */
async function refusal(call: Promise<unknown>): Promise<ApiError> {
  const error = await call.then(() => assert.fail('the call succeeded'), (err: unknown) => err);
  assert.ok(error instanceof ApiError, `an ApiError, not ${String(error)}`);
  return error;
}

describe('typed client (createClient) against the running API', function () {
  const ctx = useTestStack();
  let client: Client;
  const connect = (apiKey: string) => createClient({ baseUrl: ctx.stack.system.apiUrl!, apiKey, fetch: checkedFetch });

  before(function () {
    client = connect(ctx.stack.apiKey);
  });

  it('webhooks CRUD, publish, deliveries, stats and timeseries, typed', async function () {
    const created = await client.webhooks.create({ url: ctx.receiver.url, events: ['memory.created'], name: 'client' });
    assert.match(created.secret, /^whs_/);
    assert.ok((await client.webhooks.list()).data.some((w) => w.id === created.id));
    assert.equal((await client.webhooks.get(created.id)).circuit.state, 'closed');
    assert.equal((await client.webhooks.update(created.id, { name: 'renamed' })).name, 'renamed');

    const published = await client.events.publish({ event: 'memory.created', data: { memory_id: 'from-client' } });
    assert.equal(published.delivery_ids.length, 1);
    const [deliveryId] = published.delivery_ids;
    const delivered = await eventually('delivered', async () => {
      const delivery = await client.webhooks.delivery(created.id, deliveryId);
      return delivery.status === 'succeeded' && delivery;
    });
    assert.deepEqual([delivered.attempts.length, delivered.attempts[0].status_code], [1, 200]);
    assert.equal(ctx.receiver.requests.at(-1)?.headers['x-continuum-delivery'], deliveryId);
    assert.equal((await client.events.get(published.id)).deliveries[0].id, deliveryId);

    const page = await client.webhooks.deliveries(created.id, { status: 'succeeded', limit: 10 });
    assert.deepEqual([page.total, page.limit, page.data[0].id], [1, 10, deliveryId]);
    assert.equal((await client.webhooks.stats(created.id)).successful_deliveries, 1);
    const series = await client.webhooks.timeseries(created.id, { window: '1h', bucket: '5m' });
    assert.equal(series.buckets.length, 12);
    assert.equal(series.buckets.reduce((sum, b) => sum + b.succeeded, 0), 1);

    const retried = await client.webhooks.retry(created.id, deliveryId);
    assert.equal(retried.previous_status, 'succeeded');
    await eventually('the manual attempt', async () => (await client.webhooks.delivery(created.id, deliveryId)).attempts.some((a) => a.trigger === 'manual'));
    const tested = await client.webhooks.test(created.id);
    assert.equal(tested.success, true);
    const rotated = await client.webhooks.rotateSecret(created.id);
    assert.notEqual(rotated.secret, created.secret);
    assert.equal((await client.webhooks.resetCircuit(created.id)).circuit.state, 'closed');

    assert.equal(await client.webhooks.delete(created.id), undefined);
    const gone = await refusal(client.webhooks.get(created.id));
    assert.deepEqual([gone.status, gone.code], [404, 'not_found']);
  });

  it('refusals are ApiErrors with status, code, message and field details', async function () {
    const invalid = await refusal(client.webhooks.create({ url: 'ftp://example.com/hook', events: ['memory.created'], name: 'bad' }));
    assert.deepEqual([invalid.status, invalid.code], [400, 'validation_error']);
    assert.ok(invalid.fieldErrors()['body.url'], JSON.stringify(invalid.details));
    const badEvent = await refusal(client.events.publish({ event: 'nope' as never, data: {} }));
    assert.ok(badEvent.fieldErrors()['body.event']);
    const webhook = await client.webhooks.create({ url: ctx.receiver.url, events: ['memory.created'], name: 'windows' });
    const badWindow = await refusal(client.webhooks.timeseries(webhook.id, { window: '30d' }));
    assert.deepEqual([badWindow.status, Object.keys(badWindow.fieldErrors())], [400, ['query.window']]);
    const unknown = await refusal(client.webhooks.stats('wh_00000000000000000000000000'));
    assert.deepEqual([unknown.status, unknown.code], [404, 'not_found']);

    const wrongKey = await refusal(connect('ck_not_a_real_key_at_all_000000').session.get());
    assert.deepEqual([wrongKey.status, wrongKey.code], [401, 'unauthorized']);
    const unreachable = await refusal(createClient({ baseUrl: 'http://127.0.0.1:1', apiKey: 'k' }).session.get());
    assert.deepEqual([unreachable.status, unreachable.code], [0, 'network_error']);
  });

  it('a portal token works through the same client, within its scope, until revoked', async function () {
    const [inScope, outside] = [
      await client.webhooks.create({ url: ctx.receiver.url, events: ['sync.failed'], name: 'in scope' }),
      await client.webhooks.create({ url: ctx.receiver.url, events: ['sync.failed'], name: 'outside' }),
    ];
    const session = await client.portal.create({ webhook_ids: [inScope.id], read_only: true, ttl: '10m' });
    assert.equal((await client.session.get()).kind, 'api_key');
    const portal = connect(session.token);
    assert.deepEqual(await portal.session.get(), {
      kind: 'portal', tenant_id: 'tenant_a', read_only: true, webhook_ids: [inScope.id], expires_at: session.expires_at, portal_session_id: session.id,
    });
    assert.deepEqual((await portal.webhooks.list()).data.map((w) => w.id), [inScope.id]);
    assert.equal((await refusal(portal.webhooks.get(outside.id))).status, 404);
    const readOnly = await refusal(portal.webhooks.update(inScope.id, { name: 'x' }));
    assert.deepEqual([readOnly.status, readOnly.code], [403, 'read_only']);
    await client.portal.revoke(session.id);
    const revoked = await refusal(portal.webhooks.list());
    assert.deepEqual([revoked.status, revoked.code], [401, 'unauthorized']);
  });
  it('bulk recovery, its status and redelivery, typed', async function () {
    const hook = await client.webhooks.create({ url: ctx.receiver.url, events: ['session.ended'], name: 'recover-client', rate_limit_per_s: 50, headers: { 'X-Route': 'eu' } });
    assert.deepEqual([hook.rate_limit_per_s, hook.headers], [50, { 'X-Route': '********' }]);
    const published = await client.events.publish({ event: 'session.ended', data: { session_id: 's1' } });
    await eventually('delivered', async () => (await client.webhooks.delivery(hook.id, published.delivery_ids[0])).status === 'succeeded');
    const accepted = await client.webhooks.recover(hook.id, { since: new Date(Date.now() - 3_600_000).toISOString(), statuses: ['succeeded'] });
    assert.equal(accepted.matched, 1);
    const done = await eventually('recovered', async () => {
      const recovery = await client.recoveries.get(accepted.id);
      return recovery.status === 'completed' && recovery;
    });
    assert.deepEqual([done.started, done.succeeded, done.failed], [1, 1, 0]);
    const attempts = (await client.webhooks.delivery(hook.id, published.delivery_ids[0])).attempts;
    assert.deepEqual(attempts.map((a) => a.trigger), ['scheduled', 'recovery']);
    const again = await client.events.redeliver(published.id, { webhook_ids: [hook.id] });
    assert.equal(again.deliveries.length, 1);
    assert.notEqual(again.deliveries[0].id, published.delivery_ids[0]);
    const refused = await refusal(client.events.redeliver(published.id, { webhook_ids: ['wh_nope'] }));
    assert.equal(refused.status, 400);
  });

  it('ordering, retry schedule, ordering key and scheduled delivery, typed', async function () {
    const hook = await client.webhooks.create({ url: ctx.receiver.url, events: ['user.created'], name: 'in line', ordering: 'fifo', retry_schedule: ['1s', '5m'] });
    assert.deepEqual([hook.ordering, hook.retry_schedule], ['fifo', ['1s', '5m']]);
    assert.equal((await client.webhooks.update(hook.id, { retry_schedule: null })).retry_schedule, null);
    const refused = await refusal(client.webhooks.update(hook.id, { retry_schedule: ['1s', 'soon'] }));
    assert.deepEqual([refused.status, Object.keys(refused.fieldErrors())], [400, ['body.retry_schedule.1']]);

    const deliverAt = new Date(Date.now() + 3_600_000).toISOString();
    const [head] = (await client.events.publish({ event: 'user.created', data: { user_id: 'u1' }, ordering_key: 'acct-1', deliver_at: deliverAt })).delivery_ids;
    const [next] = (await client.events.publish({ event: 'user.created', data: { user_id: 'u1' }, ordering_key: 'acct-1' })).delivery_ids;
    const scheduled = await client.webhooks.delivery(hook.id, head);
    assert.deepEqual([scheduled.ordering_key, scheduled.deliver_at, scheduled.waiting_for], ['acct-1', deliverAt, null]);
    const listed = (await client.webhooks.deliveries(hook.id)).data.find((d) => d.id === next);
    assert.deepEqual([listed?.ordering_key, listed?.deliver_at, listed?.waiting_for], ['acct-1', null, head]);
    await client.webhooks.delete(hook.id);
  });
});
