import assert from 'node:assert/strict';
import { createTestDatabase } from '../helpers/infra';
import { Receiver } from '../helpers/receiver';
import { Scenario } from '../helpers/scenario';
import { startTestSystem, type TestSystem } from '../helpers/system';
import { eventually } from '../helpers/wait';
import { collectHistories, replay, saveFixtures } from '../helpers/histories';

const OPEN_MS = 5000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

describe('circuit breaker (the webhook row, the endpoint workflow\'s timer)', function () {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let stack: TestSystem;
  let s: Scenario;
  let receiver: Receiver;
  let healthy = false;
  let delayMs = 0;
  const webhookIds: string[] = [];

  before(async function () {
    database = await createTestDatabase();
    stack = await startTestSystem(database.url, {
      CONTINUUM_CIRCUIT_FAILURE_THRESHOLD: '5',
      CONTINUUM_CIRCUIT_OPEN_DURATION: `${OPEN_MS}ms`,
    });
    s = new Scenario(stack);
    receiver = await new Receiver().start();
    receiver.respond = () => (healthy ? { status: 200, delayMs } : { status: 500, body: 'down' });
  });

  beforeEach(function () {
    healthy = false;
    delayMs = 0;
    receiver.requests.length = 0;
  });

  afterEach(async function () {
    await s.cleanup();
  });

  after(async function () {
    await receiver?.stop();
    await stack?.stop();
    await database?.drop();
  });

  async function openCircuit(body: Record<string, unknown> = {}) {
    const webhookId = await s.webhook(receiver, body);
    webhookIds.push(webhookId);
    const [first] = await s.publish(1);
    const circuit = await eventually('circuit open', async () => {
      const c = await s.circuit(webhookId);
      return c.state === 'open' ? c : null;
    });
    assert.equal(receiver.requests.length, 5, '5 consecutive failures open it');
    assert.equal(circuit.consecutive_failures, 5);
    await s.waitForStatus([first], 'waiting_circuit');
    const held = await s.delivery(first);
    assert.equal(held.attempt_count, 5, 'the waiting 6th attempt is not charged');
    // Its 5th failure scheduled a retry moments away; once the circuit holds it, no time is promised.
    assert.equal(held.next_attempt_at, null, 'no next_attempt_at while the open circuit holds it');
    const shown = await stack.api('GET', `/webhooks/${webhookId}/deliveries/${first}`);
    assert.deepEqual([shown.body.status, shown.body.next_attempt_at], ['waiting_circuit', null]);
    return { webhookId, first, circuit };
  }

  it('opens after 5 failures, sends nothing while open, probes once, re-opens on a failed probe, closes and drains on success', async function () {
    const { webhookId, first, circuit } = await openCircuit();
    const queued = await s.publish(2);
    await s.waitForStatus(queued, 'waiting_circuit');

    // Until the open duration ends, the receiver hears nothing and nobody gains an attempt.
    await sleep(Date.parse(circuit.half_open_at as string) - Date.now() - 500);
    assert.equal(receiver.requests.length, 5);
    assert.equal((await s.circuit(webhookId)).state, 'open');
    const charged = await stack.system.db('deliveries').whereIn('id', queued).sum('attempt_count as n').first();
    assert.equal(Number(charged?.n), 0);

    // Exactly one probe (the oldest waiting delivery's last attempt); it fails: open again.
    const reopened = await eventually('circuit re-opened after the failed probe', async () => {
      const c = await s.circuit(webhookId);
      return c.state === 'open' && c.opened_at !== circuit.opened_at ? c : null;
    });
    assert.equal(receiver.requests.length, 6, 'one probe');
    await s.waitForStatus([first], 'dead_lettered');
    await sleep(Date.parse(reopened.half_open_at as string) - Date.now() - 500);
    assert.equal(receiver.requests.length, 6, 'nothing more while open again');

    // The next probe succeeds (slowly, so half-open can be seen): closed, and the queue drains.
    healthy = true;
    delayMs = 1500;
    await eventually('half-open shown while the probe runs', async () => (await s.circuit(webhookId)).state === 'half_open');
    await s.waitForStatus(queued, 'succeeded');
    const closed = await s.circuit(webhookId);
    assert.deepEqual([closed.state, closed.consecutive_failures, closed.opened_at], ['closed', 0, null]);
    assert.equal(receiver.requests.length, 8);
  });

  it('a manual reset closes it at once, and quota events are served first', async function () {
    const { webhookId, first, circuit } = await openCircuit({ max_concurrency: 1 });
    const normal = await s.publish(2);
    const [quota] = await s.publish(1, 'quota.warning');
    await s.waitForStatus([...normal, quota], 'waiting_circuit');
    const health = await stack.api('GET', '/webhooks/health', undefined, { key: null });
    assert.equal(health.body.open_circuits, 1);

    healthy = true;
    const reset = await stack.api('POST', `/webhooks/${webhookId}/circuit/reset`);
    assert.equal(reset.status, 200);
    assert.equal(reset.body.circuit.state, 'closed');
    await s.waitForStatus([first, ...normal, quota], 'succeeded');
    assert.ok(Date.now() < Date.parse(circuit.half_open_at as string), 'delivered before the open duration would have ended');
    const afterReset = receiver.requests.slice(5).map((r) => r.headers['x-continuum-event']);
    assert.deepEqual(afterReset, ['quota.warning', 'memory.created', 'memory.created', 'memory.created']);
    assert.equal((await s.circuit(webhookId)).state, 'closed');
  });

  it('the endpoint workflow\'s runs (open, half-open, closed, reset) and the deliveries\' (retries, waits) replay, and are kept as fixtures', async function () {
    // The tests' cleanup deleted their webhooks, which ended their endpoint workflows.
    const ended = await eventually('the endpoint workflows ended with their webhooks', async () => {
      const all = await collectHistories(webhookIds);
      return all.filter((h) => h.workflowId.startsWith('endpoint:')).length === webhookIds.length ? all : null;
    });
    // Each endpoint run half-opened or was reset through its local activities (markers in its history).
    for (const run of ended.filter((h) => h.workflowId.startsWith('endpoint:'))) {
      assert.ok((run.history.events ?? []).some((e) => e.markerRecordedEventAttributes), `${run.workflowId} moved the circuit`);
    }
    await replay(ended);
    await saveFixtures('gateCircuit', ended);
  });
});
