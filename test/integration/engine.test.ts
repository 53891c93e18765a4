import assert from 'node:assert/strict';
import { Client, Connection } from '@temporalio/client';
import { createTestDatabase, getInfra } from '../helpers/infra';
import { Receiver } from '../helpers/receiver';
import { Scenario } from '../helpers/scenario';
import { startTestSystem, type TestSystem } from '../helpers/system';
import { eventually } from '../helpers/wait';

const SCHEDULE = [50, 100, 150, 200, 250];

describe('delivery engine: retries, dead letters, manual retry, concurrency', function () {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let stack: TestSystem;
  let s: Scenario;
  const receivers: Receiver[] = [];

  before(async function () {
    database = await createTestDatabase();
    // The circuit stays out of the way here (its own tests are in circuit.test).
    stack = await startTestSystem(database.url, { CONTINUUM_RETRY_SCHEDULE: SCHEDULE.map((ms) => `${ms}ms`).join(','), CONTINUUM_CIRCUIT_FAILURE_THRESHOLD: '1000' });
    s = new Scenario(stack);
  });

  afterEach(async function () {
    await s.cleanup();
  });

  after(async function () {
    await Promise.all(receivers.map((r) => r.stop()));
    await stack?.stop();
    await database?.drop();
  });

  async function receiver(): Promise<Receiver> {
    const r = await new Receiver().start();
    receivers.push(r);
    return r;
  }

  it('fails twice then succeeds: exactly 3 attempts, waits following the schedule in order', async function () {
    const r = await receiver();
    r.respond = (_req, index) => (index < 2 ? { status: 500, body: `boom ${index}` } : { status: 204 });
    await s.webhook(r);
    const [id] = await s.publish(1);
    await s.waitForStatus([id], 'succeeded');
    assert.equal(r.requests.length, 3);
    const gaps = [r.requests[1].at - r.requests[0].at, r.requests[2].at - r.requests[1].at];
    assert.ok(gaps[0] >= SCHEDULE[0], `first wait ${gaps[0]} ms >= ${SCHEDULE[0]} ms`);
    assert.ok(gaps[1] >= SCHEDULE[1], `second wait ${gaps[1]} ms >= ${SCHEDULE[1]} ms`);
    const attempts = await s.attempts(id);
    assert.deepEqual(attempts.map((a) => [a.attempt_number, a.status_code, a.trigger]), [[1, 500, 'scheduled'], [2, 500, 'scheduled'], [3, 204, 'scheduled']]);
    assert.equal(attempts[0].response_body, 'boom 0');
    assert.equal(attempts[0].error_message, 'HTTP 500');
    const row = await s.delivery(id);
    assert.equal(row.attempt_count, 3);
    assert.equal(row.last_status_code, 204);
    assert.ok(row.completed_at);
    // The same signed bytes on every attempt.
    assert.equal(new Set(r.requests.map((q) => q.body)).size, 1);
    assert.equal(new Set(r.requests.map((q) => q.headers['x-continuum-delivery'])).size, 1);
  });

  it('always failing: 6 attempts, dead-lettered; a manual retry delivers it as attempt 7', async function () {
    const r = await receiver();
    let healthy = false;
    r.respond = () => (healthy ? { status: 200 } : { status: 503, body: 'down' });
    const webhookId = await s.webhook(r);
    const [id] = await s.publish(1);
    await s.waitForStatus([id], 'dead_lettered');
    assert.equal(r.requests.length, 6);
    const dead = await s.delivery(id);
    assert.equal(dead.attempt_count, 6);
    assert.equal(dead.last_status_code, 503);
    const listed = await stack.system.db('deliveries').where({ webhook_id: webhookId, status: 'dead_lettered' }).pluck('id');
    assert.deepEqual(listed, [id], 'the dead letter queue is listable by status');
    // Off the common path the workflow carries its status, for the Web UI's DeliveryStatus filter.
    const connection = await Connection.connect({ address: getInfra().temporalAddress });
    try {
      // The row is written by the attempt, the attribute by the workflow task that follows it.
      const handle = new Client({ connection }).workflow.getHandle(`delivery:${id}`);
      const shown = await eventually('DeliveryStatus dead_lettered', async () => {
        const value = (await handle.describe()).searchAttributes.DeliveryStatus;
        return value?.[0] === 'dead_lettered' ? value : null;
      }, 10_000);
      assert.deepEqual(shown, ['dead_lettered']);
    } finally {
      await connection.close();
    }

    healthy = true;
    const retried = await stack.api('POST', `/webhooks/${webhookId}/retry/${id}`);
    assert.equal(retried.status, 202, JSON.stringify(retried.body));
    assert.equal(retried.body.previous_status, 'dead_lettered');
    await s.waitForStatus([id], 'succeeded');
    const attempts = await s.attempts(id);
    assert.equal(attempts.length, 7);
    assert.deepEqual([attempts[6].attempt_number, attempts[6].status_code, attempts[6].trigger], [7, 200, 'manual']);
  });

  it('a manual retry cuts a scheduled wait short', async function () {
    const r = await receiver();
    r.respond = (_req, index) => (index === 0 ? { status: 500 } : { status: 200 });
    // An installation with a one-hour wait (the schedule is the one of the worker whose grant
    // starts the delivery): API and worker on a task queue of their own.
    const slow = await startTestSystem(database.url, { ...stack.env, CONTINUUM_RETRY_SCHEDULE: '1h', TEMPORAL_TASK_QUEUE: `slow-${Date.now()}` });
    const viaSlow = new Scenario(slow);
    try {
      const webhookId = await viaSlow.webhook(r);
      const [id] = await viaSlow.publish(1);
      await viaSlow.waitForStatus([id], 'retrying');
      const waiting = await viaSlow.delivery(id);
      assert.ok(waiting.next_attempt_at.getTime() - Date.now() > 30 * 60_000, 'next attempt is an hour away');
      const retried = await slow.api('POST', `/webhooks/${webhookId}/retry/${id}`);
      assert.equal(retried.status, 202);
      await viaSlow.waitForStatus([id], 'succeeded');
      const attempts = await viaSlow.attempts(id);
      assert.deepEqual(attempts.map((a) => [a.attempt_number, a.trigger]), [[1, 'scheduled'], [2, 'manual']]);
    } finally {
      await viaSlow.cleanup();
      await slow.stop();
    }
  });

  it('never has more than 10 requests in flight to one endpoint, and delivers all 40', async function () {
    const r = await receiver();
    r.respond = () => ({ status: 200, delayMs: 150 });
    await s.webhook(r);
    const ids = await s.publish(40);
    await s.waitForStatus(ids, 'succeeded', 90_000);
    assert.equal(r.requests.length, 40);
    assert.ok(r.maxInFlight <= 10, `receiver saw ${r.maxInFlight} at once`);
    assert.ok(r.maxInFlight >= 2, `deliveries ran concurrently (${r.maxInFlight})`);
  });

  it('with max_concurrency 3 never has more than 3 in flight', async function () {
    const r = await receiver();
    r.respond = () => ({ status: 200, delayMs: 100 });
    const webhookId = await s.webhook(r, { max_concurrency: 3 });
    const ids = await s.publish(40);
    await s.waitForStatus(ids, 'succeeded', 90_000);
    assert.equal(r.requests.length, 40);
    assert.ok(r.maxInFlight <= 3, `receiver saw ${r.maxInFlight} at once`);
    const circuit = await eventually('gate back to zero', async () => {
      const c = await s.circuit(webhookId);
      return c.in_flight === 0 && c.queued === 0 ? c : null;
    });
    assert.equal(circuit.state, 'closed');
  });
});
