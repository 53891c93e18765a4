import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startDevServer, freePort, type DevServer } from '../../src/temporal/devServer';
import { createTestDatabase } from '../helpers/infra';
import { Receiver } from '../helpers/receiver';
import { startTestSystem, type TestSystem } from '../helpers/system';
import { TcpProxy } from '../helpers/tcpProxy';
import { eventually } from '../helpers/wait';

describe('outages lose nothing', function () {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let receiver: Receiver;
  const cleanups: Array<() => Promise<unknown>> = [];

  before(async function () {
    database = await createTestDatabase();
    receiver = await new Receiver().start();
  });

  after(async function () {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    await receiver?.stop();
    await database?.drop();
  });

  it('Temporal down at publish: accepted (202), delivered once Temporal is back (the sweep wakes its endpoint)', async function () {
    const port = await freePort();
    const env = {
      TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
      TEMPORAL_TASK_QUEUE: 'outage-queue',
      CONTINUUM_SECRET_KEY: randomBytes(32).toString('base64'), // API and worker share it
    };
    const api: TestSystem = await startTestSystem(database.url, env, ['api']);
    cleanups.push(() => api.stop());

    const webhook = await api.api('POST', '/webhooks', { url: receiver.url, events: ['sync.completed'], name: 'outage' });
    assert.equal(webhook.status, 201);
    const published = await api.api('POST', '/events', { event: 'sync.completed', data: { sync_id: 'sync_1', items_synced: 3 } });
    assert.equal(published.status, 202);
    const [deliveryId] = published.body.delivery_ids;
    const stored = await api.system.db('deliveries').where({ id: deliveryId }).first();
    assert.equal(stored.status, 'pending');
    assert.equal(stored.workflow_started_at, null, 'no workflow could be started');
    assert.equal(receiver.requests.length, 0);

    const temporal: DevServer = await startDevServer({ port, uiPort: null });
    cleanups.push(() => temporal.stop());
    const worker = await startTestSystem(database.url, env, ['worker']);
    cleanups.push(() => worker.stop());

    const [request] = await receiver.waitForRequests(1, 60_000);
    assert.equal(request.headers['x-continuum-delivery'], deliveryId);
    const row = await eventually('delivery succeeded', async () => {
      const r = await api.system.db('deliveries').where({ id: deliveryId }).first();
      return r.status === 'succeeded' ? r : null;
    });
    assert.ok(row.workflow_started_at, 'the grant recorded the start');
  });

  it('Postgres down: 503 with the error body, nothing accepted', async function () {
    const target = new URL(database.url);
    const proxy = await new TcpProxy(target.hostname, Number(target.port)).start();
    cleanups.push(() => proxy.cut());
    const viaProxy = new URL(database.url);
    viaProxy.port = String(proxy.port);
    const stack = await startTestSystem(viaProxy.toString(), {}, ['api']);
    cleanups.push(() => stack.stop());
    await stack.api('POST', '/webhooks', { url: receiver.url, events: ['user.created'], name: 'pg' });
    const eventsBefore = await countEvents(database.url, stack);

    await proxy.cut();
    const refused = await stack.api('POST', '/events', { event: 'user.created', data: { user_id: 'u_down' } });
    assert.equal(refused.status, 503);
    assert.equal(refused.body.error.code, 'service_unavailable');
    assert.match(refused.body.error.message, /database/);
    const health = await stack.api('GET', '/webhooks/health', undefined, { key: null });
    assert.equal(health.status, 503);
    assert.equal(health.body.database, 'down');

    await proxy.restore();
    assert.equal(await countEvents(database.url, stack), eventsBefore, 'no event row was written');
    const accepted = await eventually('API accepts again', async () => {
      const r = await stack.api('POST', '/events', { event: 'user.created', data: { user_id: 'u_up' } });
      return r.status === 202 ? r : null;
    });
    assert.equal(accepted.body.event, 'user.created');
  });
});

async function countEvents(_url: string, stack: TestSystem): Promise<number> {
  const row = await eventually('count events', () => stack.system.db('events').count<{ count: string }[]>('* as count').first());
  return Number(row.count);
}
