import assert from 'node:assert/strict';
import { createAttemptActivity } from '../../activities/attempt';
import { createGateActivities } from '../../activities/gate';
import { createHttpAgent } from '../../activities/http';
import { SecretBox } from '../../src/security/secrets';
import { TemporalConnector } from '../../src/temporal/client';
import { EndpointControl } from '../../src/temporal/endpointControl';
import { OperationalEvents } from '../../src/events/operational';
import type { DeliveryControl } from '../../src/temporal/deliveryControl';
import pino from 'pino';
import { createTestDatabase } from '../helpers/infra';
import { Receiver } from '../helpers/receiver';
import { insertLease, storeDelivery } from '../helpers/rows';
import { reopenDelivery } from '../../src/db/repositories/deliveries';
import { startTestSystem, type TestSystem } from '../helpers/system';

// The attempt runs as a local activity: if its workflow task fails after the POST (a signal
// raced the workflow's completion, a task timeout), the activity runs again. It must report
// the attempt already made under that lease, and count it once, not send the event a second time.
describe('an attempt runs again under the same lease', function () {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let stack: TestSystem;
  let receiver: Receiver;
  let temporal: TemporalConnector;
  const policy = { allowHttp: true, allowPrivateTargets: true };
  const agent = createHttpAgent(policy);

  before(async function () {
    database = await createTestDatabase();
    stack = await startTestSystem(database.url, {}, ['api']);
    receiver = await new Receiver().start();
    temporal = new TemporalConnector({ address: stack.system.temporalAddress, namespace: 'default' });
  });

  after(async function () {
    await temporal?.close();
    await agent.close();
    await receiver?.stop();
    await stack?.stop();
    await database?.drop();
  });

  /** A stored delivery whose workflow counts as started, out of the queue (no claim takes it). */
  async function storedDelivery(webhookId: string): Promise<string> {
    const { deliveryId: id } = await storeDelivery(stack.system.db, { tenantId: 'tenant_a', webhookId, type: 'user.created', data: { user_id: 'u_1' } });
    await stack.system.db('deliveries').where({ id }).update({ workflow_started_at: new Date(), permit_wanted_at: null });
    return id;
  }

  function attemptActivity(failureThreshold = 5) {
    const endpoints = new EndpointControl(temporal, { taskQueue: stack.taskQueue, openDurationMs: 60_000 });
    const operational = new OperationalEvents({ db: stack.system.db, startQueue: { enqueue() {} }, failureThreshold });
    return createAttemptActivity({
      db: stack.system.db, secretBox: new SecretBox(Buffer.from(stack.env.CONTINUUM_SECRET_KEY, 'base64')),
      urlPolicy: policy, deliveryTimeoutMs: 5000, httpAgent: agent, log: pino({ level: 'silent' }), endpoints,
      deliveries: null as unknown as DeliveryControl, // a 410 (which cancels a webhook's deliveries) is not part of this test
      operational, leaseBoundMs: 30_000, dispatcher: { handOut() {}, dispatch() {} },
      gate: { failureThreshold, claim: { startTtlMs: 10_000 }, operational },
    });
  }

  it('reports the recorded outcome instead of sending again; a new lease sends again', async function () {
    const webhook = (await stack.api('POST', '/webhooks', { url: receiver.url, events: ['user.created'], name: 'once' })).body;
    const deliveryId = await storedDelivery(webhook.id);
    const attemptDelivery = attemptActivity();
    const leaseId = await insertLease(stack.system.db, webhook.id, deliveryId, 'lse_once_1');
    const request = { deliveryId, webhookId: webhook.id, trigger: 'scheduled' as const, scheduledWaitMs: 50, leaseId };

    const first = await attemptDelivery(request);
    const again = await attemptDelivery(request);
    assert.equal(receiver.requests.length, 1, 'one POST for one lease');
    assert.equal(first.status, 'succeeded');
    assert.deepEqual(
      { n: again.attemptNumber, status: again.status, code: again.statusCode },
      { n: first.attemptNumber, status: first.status, code: first.statusCode },
    );
    const attempts = await stack.system.db('delivery_attempts').where({ delivery_id: deliveryId });
    assert.equal(attempts.length, 1);
    assert.equal((await stack.system.db('deliveries').where({ id: deliveryId }).first()).attempt_count, 1);
    assert.equal(await stack.system.db('gate_leases').where({ id: leaseId }).first(), undefined, 'the record gave the lease back');

    // A manual retry (which reopens the delivery first) holds a new lease: a new attempt, sent again.
    await reopenDelivery(stack.system.db, deliveryId);
    const second = await insertLease(stack.system.db, webhook.id, deliveryId, 'lse_once_2');
    const retried = await attemptDelivery({ ...request, trigger: 'manual', leaseId: second });
    assert.equal(retried.attemptNumber, 2);
    assert.equal(receiver.requests.length, 2);
  });

  it('a failure recorded twice (the attempt run again) counts once toward the circuit', async function () {
    const failing = await new Receiver().start();
    failing.respond = () => ({ status: 500, body: 'no' });
    try {
      const webhook = (await stack.api('POST', '/webhooks', { url: failing.url, events: ['user.created'], name: 'fails' })).body;
      const attemptDelivery = attemptActivity(2);
      const deliveryId = await storedDelivery(webhook.id);
      const leaseId = await insertLease(stack.system.db, webhook.id, deliveryId, 'lse_fail_1');
      const request = { deliveryId, webhookId: webhook.id, trigger: 'scheduled' as const, scheduledWaitMs: 50, leaseId };
      assert.equal((await attemptDelivery(request)).status, 'retrying');
      await attemptDelivery(request);
      await attemptDelivery(request);
      const row = await stack.system.db('webhooks').where({ id: webhook.id }).first();
      assert.deepEqual([row.circuit_failures, row.circuit_state, failing.requests.length], [1, 'closed', 1], 'one failure, below the threshold of 2');
    } finally {
      await failing.stop();
    }
  });

  it('a workflow task run again after its attempt succeeded ends succeeded: asking again finds it ended, and no status undoes it', async function () {
    const webhook = (await stack.api('POST', '/webhooks', { url: receiver.url, events: ['user.created'], name: 'again' })).body;
    const deliveryId = await storedDelivery(webhook.id);
    const leaseId = await insertLease(stack.system.db, webhook.id, deliveryId, 'lse_again_1');
    assert.equal((await attemptActivity()({ deliveryId, webhookId: webhook.id, trigger: 'scheduled', scheduledWaitMs: 50, leaseId })).status, 'succeeded');
    const operational = new OperationalEvents({ db: stack.system.db, startQueue: { enqueue() {} }, failureThreshold: 5 });
    const gate = createGateActivities({
      db: stack.system.db, operational, dispatcher: { handOut() {}, dispatch() {} },
      gate: { failureThreshold: 5, claim: { startTtlMs: 10_000 }, operational },
    });
    assert.deepEqual(await gate.askForLease({ deliveryId }), { lease: null, held: false, ended: 'succeeded' });
    await gate.setDeliveryStatus({ deliveryId, status: 'cancelled', error: 'webhook deleted or deactivated' });
    assert.equal((await stack.system.db('deliveries').where({ id: deliveryId }).first()).status, 'succeeded');
  });

  it('a second lease granted to a delivery that already succeeded sends nothing, goes back, and the workflow finds it ended', async function () {
    // Seen in a bulk recovery: a claim granted the row again by signal while its first task ran;
    // the task run again (the signal failed its completion) attempted under that lease.
    const webhook = (await stack.api('POST', '/webhooks', { url: receiver.url, events: ['user.created'], name: 'ended' })).body;
    const deliveryId = await storedDelivery(webhook.id);
    const first = await insertLease(stack.system.db, webhook.id, deliveryId, 'lse_ended_1');
    const request = { deliveryId, webhookId: webhook.id, trigger: 'recovery' as const, scheduledWaitMs: null, leaseId: first };
    assert.equal((await attemptActivity()(request)).status, 'succeeded');
    const before = receiver.requests.length;
    const spare = await insertLease(stack.system.db, webhook.id, deliveryId, 'lse_ended_2');
    const result = await attemptActivity()({ ...request, leaseId: spare });
    assert.deepEqual([result.leaseLost, receiver.requests.length - before], [true, 0], 'nothing sent under the spare lease');
    assert.equal(await stack.system.db('gate_leases').where({ id: spare }).first(), undefined, 'the spare lease went back');
    assert.equal(Number((await stack.system.db('delivery_attempts').where({ delivery_id: deliveryId }).count('* as n'))[0].n), 1);
  });

  it('an attempt whose lease expired sends nothing and says so (the workflow asks again)', async function () {
    const webhook = (await stack.api('POST', '/webhooks', { url: receiver.url, events: ['user.created'], name: 'late' })).body;
    const deliveryId = await storedDelivery(webhook.id);
    const leaseId = await insertLease(stack.system.db, webhook.id, deliveryId, 'lse_late_1', -1);
    const before = receiver.requests.length;
    const result = await attemptActivity()({ deliveryId, webhookId: webhook.id, trigger: 'scheduled', scheduledWaitMs: 50, leaseId });
    assert.deepEqual([result.leaseLost, receiver.requests.length - before], [true, 0]);
  });
});
