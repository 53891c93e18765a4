import assert from 'node:assert/strict';
import { createAttemptActivity } from '../../activities/attempt';
import { createHttpAgent } from '../../activities/http';
import { SecretBox } from '../../src/security/secrets';
import { TemporalConnector } from '../../src/temporal/client';
import { PermitReleases } from '../../src/permits/releases';
import { EndpointControl } from '../../src/temporal/endpointControl';
import { endpointSettings } from '../../src/config';
import { OperationalEvents } from '../../src/events/operational';
import type { DeliveryControl } from '../../src/temporal/deliveryControl';
import pino from 'pino';
import { createTestDatabase } from '../helpers/infra';
import { Receiver } from '../helpers/receiver';
import { storeDelivery } from '../helpers/rows';
import { startTestSystem, type TestSystem } from '../helpers/system';

// The attempt runs as a local activity: if its workflow task fails after the POST (a signal
// raced the workflow's completion, a task timeout), the activity runs again. It must report
// the attempt already made under that permit, not send the event a second time.
describe('an attempt runs again under the same permit', function () {
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

  /** A stored delivery whose workflow counts as started, out of the permit queue (no grant takes it). */
  async function storedDelivery(webhookId: string): Promise<string> {
    const { deliveryId: id } = await storeDelivery(stack.system.db, { tenantId: 'tenant_a', webhookId, type: 'user.created', data: { user_id: 'u_1' } });
    await stack.system.db('deliveries').where({ id }).update({ workflow_started_at: new Date(), permit_wanted_at: null });
    return id;
  }

  it('reports the recorded outcome instead of sending again; a new permit sends again', async function () {
    const webhook = (await stack.api('POST', '/webhooks', { url: receiver.url, events: ['user.created'], name: 'once' })).body;
    const deliveryId = await storedDelivery(webhook.id);
    const endpoints = new EndpointControl(temporal, { taskQueue: stack.taskQueue, settings: endpointSettings(stack.system.config) });
    const attemptDelivery = createAttemptActivity({
      db: stack.system.db, releases: new PermitReleases(endpoints), secretBox: new SecretBox(Buffer.from(stack.env.CONTINUUM_SECRET_KEY, 'base64')),
      urlPolicy: policy, deliveryTimeoutMs: 5000, httpAgent: agent, log: pino({ level: 'silent' }), endpoints,
      deliveries: null as unknown as DeliveryControl, // a 410 (which cancels a webhook's deliveries) is not part of this test
      operational: new OperationalEvents({ db: stack.system.db, startQueue: { enqueue() {} }, failureThreshold: 5 }),
    });
    const request = { deliveryId, trigger: 'scheduled' as const, scheduledWaitMs: 50, permit: { webhookId: webhook.id, leaseId: 'lease-1' } };

    const first = await attemptDelivery(request);
    const again = await attemptDelivery(request);
    assert.equal(receiver.requests.length, 1, 'one POST for one permit');
    assert.equal(first.status, 'succeeded');
    assert.deepEqual(
      { n: again.attemptNumber, status: again.status, code: again.statusCode },
      { n: first.attemptNumber, status: first.status, code: first.statusCode },
    );
    const attempts = await stack.system.db('delivery_attempts').where({ delivery_id: deliveryId });
    assert.equal(attempts.length, 1);
    assert.equal((await stack.system.db('deliveries').where({ id: deliveryId }).first()).attempt_count, 1);

    // A manual retry holds a new permit: that is a new attempt, sent again.
    const retried = await attemptDelivery({ ...request, trigger: 'manual', permit: { ...request.permit, leaseId: 'lease-2' } });
    assert.equal(retried.attemptNumber, 2);
    assert.equal(receiver.requests.length, 2);
  });
});
