import assert from 'node:assert/strict';
import { Client, Connection } from '@temporalio/client';
import { getInfra } from '../helpers/infra';
import { Scenario } from '../helpers/scenario';
import { useTestStack } from '../helpers/system';
import { eventually } from '../helpers/wait';

/**
 * Blocks of permits (docs/permits.md): a healthy endpoint lends its free permits to a worker,
 * which starts the webhook's rows itself while the block lasts; publishes reach it by NOTIFY,
 * so the endpoint workflow pays no turn per event. A failure brings the block back at once, a
 * rate limit set by PATCH stops its claims, and what the block started is counted on return.
 */
describe('permit blocks', function () {
  const ctx = useTestStack({ CONTINUUM_PERMIT_BLOCK_DURATION: '3s', CONTINUUM_CIRCUIT_FAILURE_THRESHOLD: '3', CONTINUUM_CIRCUIT_OPEN_DURATION: '60s' });
  let s: Scenario;
  let connection: Connection;

  before(async function () {
    s = new Scenario(ctx.stack);
    connection = await Connection.connect({ address: getInfra().temporalAddress });
  });
  after(async () => connection?.close());
  afterEach(async function () {
    await s.cleanup();
    ctx.receiver.respond = () => ({ status: 200, body: 'ok' });
    ctx.receiver.requests.length = 0;
  });

  const endpointEvents = async (webhookId: string) => {
    const history = await new Client({ connection }).workflow.getHandle(`endpoint:${webhookId}`).fetchHistory();
    const events = history.events ?? [];
    return { total: events.length, signals: events.filter((e) => e.workflowExecutionSignaledEventAttributes).map((e) => e.workflowExecutionSignaledEventAttributes?.signalName) };
  };
  const blockOf = async (webhookId: string) => ctx.stack.system.db('webhooks').where({ id: webhookId }).first('permit_block_id', 'permit_block_until');

  it('events published one by one to a healthy endpoint are started by the block: no signal to the endpoint per event', async function () {
    const webhookId = await s.webhook(ctx.receiver, { max_concurrency: 4 });
    const [first] = await s.publish(1);
    await s.waitForStatus([first], 'succeeded');
    assert.ok((await blockOf(webhookId)).permit_block_id, 'the webhook row names the block lent');
    const before = await endpointEvents(webhookId);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      ids.push(...(await s.publish(1)));
      await s.waitForStatus(ids.slice(-1), 'succeeded');
    }
    const during = await endpointEvents(webhookId);
    assert.deepEqual(during.signals.slice(before.signals.length).filter((name) => name === 'wake'), [], '12 publishes, no wake of the endpoint');
    assert.ok(during.total - before.total <= 12, `the endpoint's history grew by ${during.total - before.total} events for 12 deliveries`);
    assert.equal(ctx.receiver.requests.length, 13);
    assert.ok(ctx.receiver.maxInFlight <= 4);

    // Its time up, the block goes back: the row names none, and every permit is back.
    await eventually('the block back', async () => ((await blockOf(webhookId)).permit_block_id === null ? true : null), 10_000);
    const gate = await eventually('every permit back', async () => {
      const c = await s.circuit(webhookId);
      return c.in_flight === 0 ? c : null;
    }, 10_000);
    assert.equal(gate.state, 'closed');
    assert.ok((await endpointEvents(webhookId)).signals.includes('returnPermitBlock'));
  });

  it('a failure brings the block back at once, and the breaker counts every failure exactly', async function () {
    ctx.receiver.respond = () => ({ status: 503 });
    const webhookId = await s.webhook(ctx.receiver, { max_concurrency: 1 });
    const ids = await s.publish(1);
    await eventually('the block back after the failure', async () => ((await endpointEvents(webhookId)).signals.includes('returnPermitBlock') ? true : null), 10_000);
    assert.equal((await blockOf(webhookId)).permit_block_id, null, 'gone from the webhook row long before its 3 s');
    // Retries 50, 100 ms later: the circuit opens at the third failure (threshold 3), and stays open a minute.
    const opened = await eventually('the circuit open', async () => {
      const c = await s.circuit(webhookId);
      return c.state === 'open' ? c : null;
    }, 10_000);
    assert.equal(opened.consecutive_failures, 3);
    const attempts = await s.attempts(ids[0]);
    assert.equal(attempts.length, 3, 'no attempt after the circuit opened');
  });

  it('a rate limit set by PATCH stops the block\'s claims at once', async function () {
    ctx.receiver.respond = () => ({ status: 200, delayMs: 30 });
    const webhookId = await s.webhook(ctx.receiver, { max_concurrency: 5 });
    await s.waitForStatus(await s.publish(1), 'succeeded');
    assert.ok((await blockOf(webhookId)).permit_block_id, 'lent');
    assert.equal((await ctx.stack.api('PATCH', `/webhooks/${webhookId}`, { rate_limit_per_s: 2 })).status, 200);
    ctx.receiver.requests.length = 0;
    const ids = await s.publish(10);
    await s.waitForStatus(ids, 'succeeded', 30_000);
    const times = ctx.receiver.requests.map((r) => r.at).sort((a, b) => a - b);
    const busiest = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length));
    assert.ok(busiest <= 5 + 2, `at most capacity + rate in any second, saw ${busiest}`);
  });
});
