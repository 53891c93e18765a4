import assert from 'node:assert/strict';
import { createTestDatabase } from '../helpers/infra';
import { Receiver } from '../helpers/receiver';
import { tableCounts } from '../helpers/rows';
import { Scenario } from '../helpers/scenario';
import { apiClient, startTestSystem, type ApiResponse, type TestSystem } from '../helpers/system';
import { eventually } from '../helpers/wait';
import { RoleProcess } from '../helpers/workerProcess';

/**
 * A webhook's own retry schedule, scheduled delivery (deliver_at, across a crash of the whole
 * process) and the refusals of every new field (docs/delivery.md, "Delivery policy").
 */
describe('delivery policy: a webhook\'s retry schedule, deliver_at, and their refusals', function () {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let stack: TestSystem;
  let s: Scenario;
  let receiver: Receiver;
  const processes: RoleProcess[] = [];

  before(async function () {
    database = await createTestDatabase();
    stack = await startTestSystem(database.url);
    s = new Scenario(stack);
    receiver = await new Receiver().start();
  });
  after(async function () {
    for (const p of processes) await p.kill();
    await receiver?.stop();
    await stack?.stop();
    await database?.drop();
  });
  afterEach(async function () {
    await s.cleanup();
    receiver.requests.length = 0;
    receiver.respond = () => ({ status: 200, body: 'ok' });
  });

  const arrivalsOf = (id: string) => receiver.requests.filter((r) => r.headers['x-continuum-delivery'] === id).map((r) => r.at);

  it('its own schedule ["1s","1s"] against a failing receiver: exactly 3 attempts, 1 s apart at least, then dead-lettered; null goes back to the installation\'s', async function () {
    receiver.respond = () => ({ status: 500, body: 'down' });
    const webhookId = await s.webhook(receiver, { retry_schedule: ['1s', '1s'] });
    const [own] = await s.publish(1);
    await s.waitForStatus([own], 'dead_lettered', 60_000);
    const attempts = await s.attempts(own);
    assert.deepEqual(attempts.map((a: { attempt_number: number }) => a.attempt_number), [1, 2, 3]);
    const arrivals = arrivalsOf(own);
    assert.equal(arrivals.length, 3, 'three requests reached the receiver');
    for (let i = 1; i < arrivals.length; i++) assert.ok(arrivals[i] - arrivals[i - 1] >= 1000, `attempt ${i + 1} came ${arrivals[i] - arrivals[i - 1]} ms after attempt ${i}`);

    // Deliveries created after the change follow the installation's schedule (5 waits: 6 attempts).
    const patched = await stack.api('PATCH', `/webhooks/${webhookId}`, { retry_schedule: null });
    assert.equal(patched.body.retry_schedule, null);
    const [installation] = await s.publish(1);
    await s.waitForStatus([installation], 'dead_lettered', 60_000);
    assert.equal((await s.attempts(installation)).length, 6);
    assert.equal((await s.attempts(own)).length, 3, 'the earlier delivery kept its own schedule');
  });

  it('deliver_at 3 s ahead: nothing arrives before it; the delivery shows it while it waits; a time past means at once', async function () {
    const webhookId = await s.webhook(receiver);
    const deliverAt = new Date(Date.now() + 3000);
    const published = await stack.api('POST', '/events', { event: 'memory.created', data: { memory_id: 'm' }, deliver_at: deliverAt.toISOString() });
    assert.equal(published.status, 202, JSON.stringify(published.body));
    const [scheduled] = published.body.delivery_ids as string[];
    const [now] = (await stack.api('POST', '/events', { event: 'memory.created', data: { memory_id: 'n' }, deliver_at: new Date(Date.now() - 60_000).toISOString() })).body.delivery_ids;
    await s.waitForStatus([now], 'succeeded');
    const waiting = (await stack.api('GET', `/webhooks/${webhookId}/deliveries/${scheduled}`)).body;
    assert.deepEqual([waiting.status, waiting.deliver_at], ['pending', deliverAt.toISOString()]);
    assert.deepEqual(arrivalsOf(scheduled), [], 'not sent before its time');

    await s.waitForStatus([scheduled], 'succeeded', 30_000);
    const [arrived] = arrivalsOf(scheduled);
    assert.ok(arrived >= deliverAt.getTime(), `arrived ${deliverAt.getTime() - arrived} ms before its deliver_at`);
  });

  it('a scheduled delivery still arrives, not before its time, when the process that accepted it is SIGKILLed and another starts', async function () {
    // A database and task queue of its own: nothing of this file's stack can help.
    const own = await createTestDatabase();
    try {
      const env = { ...stack.env, DATABASE_URL: own.url, TEMPORAL_TASK_QUEUE: `${stack.taskQueue}-own` };
      const first = await new RoleProcess('all', env).start();
      processes.push(first);
      const api = apiClient(first.apiUrl as string, stack.apiKey);
      const created = await api('POST', '/webhooks', { url: receiver.url, events: ['memory.created'], name: 'later' });
      const deliverAt = new Date(Date.now() + 3000);
      const published = await api('POST', '/events', { event: 'memory.created', data: { memory_id: 'm' }, deliver_at: deliverAt.toISOString() });
      assert.equal(published.status, 202);
      const [id] = published.body.delivery_ids as string[];
      await first.kill();
      assert.ok(Date.now() < deliverAt.getTime(), 'the crash came before its time');
      const second = await new RoleProcess('all', env).start();
      processes.push(second);
      const again = apiClient(second.apiUrl as string, stack.apiKey);
      await eventually('delivered after the restart', async () => (await again('GET', `/webhooks/${created.body.id}/deliveries/${id}`)).body.status === 'succeeded', 60_000);
      const arrivals = arrivalsOf(id);
      assert.equal(arrivals.length, 1);
      assert.ok(arrivals[0] >= deliverAt.getTime(), 'not before its deliver_at');
      await second.stop();
    } finally {
      await own.drop();
    }
  });

  it('refuses bad ordering, retry_schedule, ordering_key and deliver_at with a 400 naming the field, storing nothing', async function () {
    const webhookId = await s.webhook(receiver, { ordering: 'fifo', retry_schedule: ['2s'] });
    const row = () => stack.system.db('webhooks').where({ id: webhookId }).first();
    const [before, counts] = [await row(), await tableCounts(stack.system.db)];
    const webhookCases: Array<[unknown, unknown, string]> = [
      ['ordering', 'FIFO', 'body.ordering'],
      ['ordering', 1, 'body.ordering'],
      ['retry_schedule', ['500ms'], 'body.retry_schedule.0'],
      ['retry_schedule', ['1s', '31d'], 'body.retry_schedule.1'],
      ['retry_schedule', ['1s', '5m', 'soon'], 'body.retry_schedule.2'],
      ['retry_schedule', ['1s', 5], 'body.retry_schedule.1'],
      ['retry_schedule', Array.from({ length: 21 }, () => '1s'), 'body.retry_schedule'],
      ['retry_schedule', '1s,5s', 'body.retry_schedule'],
    ];
    for (const [field, value, named] of webhookCases) {
      const body = { [field as string]: value };
      assertRefused(await stack.api('POST', '/webhooks', { url: receiver.url, events: ['memory.created'], name: 'refused', ...body }), named);
      assertRefused(await stack.api('PATCH', `/webhooks/${webhookId}`, body), named);
    }
    const publishCases: Array<[Record<string, unknown>, string]> = [
      [{ ordering_key: '' }, 'body.ordering_key'],
      [{ ordering_key: 'k'.repeat(129) }, 'body.ordering_key'],
      [{ ordering_key: 7 }, 'body.ordering_key'],
      [{ deliver_at: 'tomorrow' }, 'body.deliver_at'],
      [{ deliver_at: '2026-12-05' }, 'body.deliver_at'],
      [{ deliver_at: new Date(Date.now() + 31 * 86_400_000).toISOString() }, 'body.deliver_at'],
      [{ deliver_at: 1_767_225_600 }, 'body.deliver_at'],
    ];
    for (const [extra, named] of publishCases) {
      assertRefused(await stack.api('POST', '/events', { event: 'memory.created', data: { memory_id: 'm' }, ...extra }), named);
    }
    assert.deepEqual(await tableCounts(stack.system.db), counts, 'no row written');
    assert.deepEqual(await row(), before, 'the webhook is unchanged');
    assert.deepEqual(receiver.requests, []);
    // The bounds themselves are accepted: 128 characters, 20 entries of 30d, 1s.
    const ok = await stack.api('PATCH', `/webhooks/${webhookId}`, { retry_schedule: Array.from({ length: 20 }, (_, i) => (i === 0 ? '1s' : '30d')) });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const key = await stack.api('POST', '/events', { event: 'memory.created', data: { memory_id: 'm' }, ordering_key: 'k'.repeat(128) });
    assert.equal(key.status, 202);
    await eventually('the accepted one delivered', async () => receiver.requests.length === 1);
  });

  function assertRefused(response: ApiResponse, field: string): void {
    assert.equal(response.status, 400, `${field}: ${JSON.stringify(response.body)}`);
    assert.equal(response.body.error.code, 'validation_error');
    const fields = (response.body.error.details as Array<{ field: string }>).map((d) => d.field);
    assert.ok(fields.includes(field), `details name ${field}: ${JSON.stringify(response.body.error.details)}`);
  }
});
