import assert from 'node:assert/strict';
import { Client, Connection } from '@temporalio/client';
import { getInfra } from '../helpers/infra';
import { Scenario } from '../helpers/scenario';
import { useTestStack } from '../helpers/system';
import { eventually } from '../helpers/wait';

describe('webhook lifecycle and delivery age', function () {
  // A circuit that stays open for the whole test, and a short maximum delivery age.
  const ctx = useTestStack({ CONTINUUM_CIRCUIT_OPEN_DURATION: '10m', CONTINUUM_MAX_DELIVERY_AGE: '6s' });
  let healthy = false;
  let s: Scenario;

  before(function () {
    s = new Scenario(ctx.stack);
    ctx.receiver.respond = () => ({ status: healthy ? 200 : 500 });
  });

  afterEach(async function () {
    healthy = false;
    await s.cleanup();
  });

  async function openCircuit(): Promise<string> {
    const webhookId = await s.webhook(ctx.receiver);
    await s.publish(1);
    await eventually('circuit open', async () => (await s.circuit(webhookId)).state === 'open');
    return webhookId;
  }

  it('dead-letters a delivery that waited past the maximum age, with the reason', async function () {
    await openCircuit();
    const [waiting] = await s.publish(1);
    await s.waitForStatus([waiting], 'waiting_circuit');
    await s.waitForStatus([waiting], 'dead_lettered', 30_000);
    const row = await s.delivery(waiting);
    assert.equal(row.attempt_count, 0, 'never sent');
    assert.match(row.last_error, /^expired: waited longer than the maximum delivery age/);
  });

  it('deactivating cancels waiting deliveries and ends the endpoint workflow; reactivating starts fresh', async function () {
    const webhookId = await openCircuit();
    const waiting = await s.publish(2);
    await s.waitForStatus(waiting, 'waiting_circuit');
    const sent = ctx.receiver.requests.length;
    const connection = await Connection.connect({ address: getInfra().temporalAddress });
    try {
      const client = new Client({ connection });
      const endpoint = client.workflow.getHandle(`endpoint:${webhookId}`);
      const firstRun = (await endpoint.describe()).runId;

      assert.equal((await ctx.stack.api('PATCH', `/webhooks/${webhookId}`, { active: false })).status, 200);
      const rows = await ctx.stack.system.db('deliveries').where({ webhook_id: webhookId }).whereNotIn('status', ['succeeded', 'dead_lettered']);
      assert.ok(rows.length >= 2 && rows.every((r: { status: string }) => r.status === 'cancelled'), 'open deliveries are cancelled at once');
      await eventually('endpoint workflow ended', async () => (await endpoint.describe()).status.name === 'CANCELLED');
      // The first delivery's workflow (waiting for its retry's permit) is cancelled; those
      // published while the circuit was open were never started: they were rows only.
      const [first] = await ctx.stack.system.db('deliveries').where({ webhook_id: webhookId }).whereNotIn('id', waiting).pluck('id');
      await eventually(`${first} workflow cancelled`, async () => (await client.workflow.getHandle(`delivery:${first}`).describe()).status.name === 'CANCELLED');
      const started = await ctx.stack.system.db('deliveries').whereIn('id', waiting).whereNotNull('workflow_started_at').count<{ n: string }[]>('* as n');
      assert.equal(Number(started[0].n), 0, 'no claim started the held rows');

      healthy = true;
      assert.equal((await ctx.stack.api('PATCH', `/webhooks/${webhookId}`, { active: true })).status, 200);
      const [fresh] = await s.publish(1);
      await s.waitForStatus([fresh], 'succeeded');
      assert.equal(ctx.receiver.requests.length, sent + 1, 'only the new delivery was sent');
      assert.equal((await endpoint.describe()).runId, firstRun, 'a healthy endpoint needs no endpoint workflow');
      assert.equal((await s.circuit(webhookId)).state, 'closed', 'reactivated with a closed circuit');
      assert.deepEqual((await Promise.all(waiting.map((id) => s.delivery(id)))).map((r) => r.status), ['cancelled', 'cancelled']);
    } finally {
      await connection.close();
    }
  });
});

describe('a lost endpoint workflow', function () {
  const ctx = useTestStack({ CONTINUUM_CIRCUIT_OPEN_DURATION: '4s' });

  it('is started again by the sweep once its open period is overdue; the probe closes the circuit and the waiting rows are delivered', async function () {
    const s = new Scenario(ctx.stack);
    let healthy = false;
    ctx.receiver.respond = () => ({ status: healthy ? 200 : 500 });
    const webhookId = await s.webhook(ctx.receiver);
    const [first] = await s.publish(1);
    await eventually('circuit open', async () => (await s.circuit(webhookId)).state === 'open');
    const waiting = await s.publish(2);
    await s.waitForStatus([first, ...waiting], 'waiting_circuit');

    const connection = await Connection.connect({ address: getInfra().temporalAddress });
    try {
      // An operator terminates the endpoint workflow, and the open period's timer with it.
      const endpoint = new Client({ connection }).workflow.getHandle(`endpoint:${webhookId}`);
      const lost = (await endpoint.describe()).runId;
      await endpoint.terminate('operator mistake');
      healthy = true;
      await s.waitForStatus([first, ...waiting], 'succeeded', 60_000);
      assert.equal((await s.circuit(webhookId)).state, 'closed');
      assert.notEqual((await endpoint.describe()).runId, lost, 'a fresh endpoint run half-opened the circuit');
    } finally {
      await connection.close();
    }
    await s.cleanup();
  });
});
