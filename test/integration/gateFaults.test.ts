import assert from 'node:assert/strict';
import { Client, Connection } from '@temporalio/client';
import { WORKFLOW_GONE_ERROR } from '../../src/gate/queue';
import { deliveryWorkflowId } from '../../workflows/messages';
import { createTestDatabase, getInfra } from '../helpers/infra';
import { publishInTurn } from '../helpers/lines';
import { Receiver } from '../helpers/receiver';
import { Scenario } from '../helpers/scenario';
import { startTestSystem, type TestSystem } from '../helpers/system';
import { eventually } from '../helpers/wait';
import { WorkerProcess } from '../helpers/workerProcess';

const MAX = 10;

/**
 * The gate under faults (docs/permits.md): a worker killed mid-stream, a delivery whose
 * workflow is terminated in a fifo line, an endpoint workflow terminated, and a limit lowered
 * on a busy endpoint. Each time: nothing lost, the limit held at the receiver, every lease back.
 */
describe('the gate under faults', function () {
  this.timeout(300_000);
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: TestSystem;
  const workers: WorkerProcess[] = [];
  const receivers: Receiver[] = [];
  let connection: Connection;

  before(async function () {
    database = await createTestDatabase();
    // A short attempt bound: a lease lost with a worker expires within seconds.
    api = await startTestSystem(database.url, { CONTINUUM_DELIVERY_TIMEOUT: '2s', CONTINUUM_MIN_RETRY_WAIT: '100ms', LOG_LEVEL: 'warn' }, ['api']);
    workers.push(await new WorkerProcess(api.env).start());
    connection = await Connection.connect({ address: getInfra().temporalAddress });
  });

  after(async function () {
    for (const worker of workers) await worker.kill();
    for (const r of receivers) await r.stop();
    await connection?.close();
    await api?.stop();
    await database?.drop();
  });

  const db = () => api.system.db;
  async function receiver(): Promise<Receiver> {
    const r = await new Receiver().start();
    receivers.push(r);
    return r;
  }
  const countsOf = (r: Receiver) => {
    const counts = new Map<string, number>();
    for (const req of r.requests) counts.set(req.headers['x-continuum-delivery'] as string, (counts.get(req.headers['x-continuum-delivery'] as string) ?? 0) + 1);
    return counts;
  };
  async function gateEmpties(s: Scenario, webhookId: string) {
    return eventually('every lease back: nothing in flight or queued', async () => {
      const c = await s.circuit(webhookId);
      return c.in_flight === 0 && c.queued === 0 ? c : null;
    }, 120_000);
  }

  it('a worker SIGKILLed mid-stream: none lost, never more than the limit at the receiver, only attempts in flight repeated', async function () {
    const s = new Scenario(api);
    const r = await receiver();
    r.respond = () => ({ status: 200, delayMs: 20 });
    const webhookId = await s.webhook(r, { max_concurrency: MAX });
    const ids = await s.publish(300);
    await eventually('a third delivered', async () => r.requests.length >= 100, 60_000, 5);
    await workers[0].kill();
    const killedAt = Date.now();
    const before = r.requests.length;
    workers.push(await new WorkerProcess(api.env).start());
    await s.waitForStatus(ids, 'succeeded', 180_000);
    const resumed = r.requests.slice(before).find((req) => req.at > killedAt);
    console.log(`      stall after the kill: ${resumed ? resumed.at - killedAt : 'n/a'} ms (a new worker started at once)`);
    const counts = countsOf(r);
    assert.deepEqual(ids.filter((id) => !counts.has(id)), [], 'every delivery reached the receiver');
    const duplicates = [...counts.values()].reduce((n, c) => n + c - 1, 0);
    assert.ok(duplicates <= MAX, `only attempts in flight on the killed worker may repeat: ${duplicates} duplicates`);
    assert.ok(r.maxInFlight <= MAX, `${r.maxInFlight} in flight at once`);
    assert.equal((await gateEmpties(s, webhookId)).state, 'closed');
    await s.cleanup();
  });

  it('a fifo head whose workflow is terminated is dead-lettered, and its line goes on in order', async function () {
    const s = new Scenario(api);
    const r = await receiver();
    const webhookId = await s.webhook(r, { ordering: 'fifo', retry_schedule: ['1s', '1s', '1s', '1s', '1s'] });
    let failing: string | null = null; // the first to arrive: the line's head
    r.respond = (req) => {
      failing ??= req.headers['x-continuum-delivery'] as string;
      return req.headers['x-continuum-delivery'] === failing ? { status: 500 } : { status: 200 };
    };
    const [head, ...rest] = (await publishInTurn(api.api, ['k', 'k', 'k'])).get('k') as string[];
    await eventually('the head failed once', async () => (await db()('deliveries').where({ id: head }).first()).attempt_count >= 1);
    assert.equal(failing, head);
    await new Client({ connection }).workflow.getHandle(deliveryWorkflowId(head)).terminate('operator mistake');
    await s.waitForStatus(rest, 'succeeded', 60_000);
    const row = await db()('deliveries').where({ id: head }).first();
    assert.deepEqual([row.status, row.last_error], ['dead_lettered', WORKFLOW_GONE_ERROR]);
    const order = r.requests.map((req) => req.headers['x-continuum-delivery']).filter((id) => id !== head);
    assert.deepEqual(order, rest, 'the line went on, in order');
    await gateEmpties(s, webhookId);
    await s.cleanup();
  });

  it('the endpoint workflow terminated: a healthy endpoint does not notice, each delivered once', async function () {
    const s = new Scenario(api);
    const r = await receiver();
    r.respond = () => ({ status: 200, delayMs: 20 });
    const webhookId = await s.webhook(r, { max_concurrency: 5 });
    // A circuit change starts the endpoint workflow; a reset closes it again.
    assert.equal((await api.api('POST', `/webhooks/${webhookId}/circuit/reset`)).status, 200);
    const endpoint = new Client({ connection }).workflow.getHandle(`endpoint:${webhookId}`);
    await eventually('the endpoint workflow runs', async () => (await endpoint.describe()).status.name === 'RUNNING');
    const ids = await s.publish(100);
    await eventually('a third delivered', async () => r.requests.length >= 30, 60_000);
    await endpoint.terminate('operator mistake');
    await s.waitForStatus(ids, 'succeeded', 120_000);
    const counts = countsOf(r);
    assert.deepEqual(ids.filter((id) => counts.get(id) !== 1).map((id) => [id, counts.get(id)]), [], 'each delivered exactly once (no process died)');
    assert.ok(r.maxInFlight <= 5, `${r.maxInFlight} in flight at once`);
    await gateEmpties(s, webhookId);
    await s.cleanup();
  });

  it('a limit lowered by PATCH on a busy endpoint applies to the next claim, with no message to anyone', async function () {
    const s = new Scenario(api);
    const r = await receiver();
    const release = r.hold();
    const webhookId = await s.webhook(r, { max_concurrency: 4 });
    const ids = await s.publish(16);
    await r.waitForRequests(4);
    assert.equal((await api.api('PATCH', `/webhooks/${webhookId}`, { max_concurrency: 2 })).status, 200);
    const inFlightAtArrival: number[] = [];
    r.respond = () => {
      inFlightAtArrival.push(r.inFlight);
      return { status: 200, delayMs: 30 };
    };
    release();
    await s.waitForStatus(ids, 'succeeded', 60_000);
    assert.equal(inFlightAtArrival.length, 12);
    assert.ok(Math.max(...inFlightAtArrival) <= 2, `after the PATCH, at most 2 in flight: ${inFlightAtArrival}`);
    await gateEmpties(s, webhookId);
    await s.cleanup();
  });
});
