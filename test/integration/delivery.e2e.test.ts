import assert from 'node:assert/strict';
import { Connection, Client } from '@temporalio/client';
import { Webhook } from 'standardwebhooks';
import { verifyWebhookSignature } from '../../src';
import { generateWebhookSecret } from '../../src/security/secrets';
import { Receiver } from '../helpers/receiver';
import { useTestStack, type TestSystem } from '../helpers/system';
import { getInfra } from '../helpers/infra';
import { eventually } from '../helpers/wait';

describe('end to end: API → Temporal → signed POST → receiver', function () {
  const ctx = useTestStack();
  let stack: TestSystem;
  let receiver: Receiver;
  before(function () {
    ({ stack, receiver } = ctx);
  });

  it('delivers a published event, signed with both schemes, and records it', async function () {
    const created = await stack.api('POST', '/webhooks', {
      url: receiver.url, events: ['memory.created', 'sync.completed'], name: 'Production Webhook',
    });
    assert.equal(created.status, 201);
    assert.match(created.body.id, /^wh_/);
    assert.match(created.body.secret, /^whs_[A-Za-z0-9+/]{43}=$/);
    const secret: string = created.body.secret;

    const data = { memory_id: 'mem_abc123', content_preview: 'Discussed AI consciousness...', concepts: ['AI'], importance: 0.8 };
    const published = await stack.api('POST', '/events', { event: 'memory.created', data });
    assert.equal(published.status, 202);
    assert.equal(published.body.delivery_ids.length, 1);
    const deliveryId: string = published.body.delivery_ids[0];

    const [request] = await receiver.waitForRequests(1);
    assert.equal(request.method, 'POST');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.equal(request.headers['x-continuum-event'], 'memory.created');
    assert.equal(request.headers['x-continuum-delivery'], deliveryId);
    assert.match(String(request.headers['user-agent']), /^Continuum-Webhooks\/\d+\.\d+\.\d+$/);

    const body = JSON.parse(request.body);
    assert.deepEqual(Object.keys(body), ['event', 'timestamp', 'tenant_id', 'data']);
    assert.equal(body.event, 'memory.created');
    assert.equal(body.tenant_id, 'tenant_a');
    assert.deepEqual(body.data, data);

    assert.equal(verifyWebhookSignature({
      payload: request.body,
      signature: request.headers['x-continuum-signature'] as string,
      timestamp: request.headers['x-continuum-timestamp'] as string,
      secret,
    }), true, 'X-Continuum-Signature verifies with the exported helper');
    assert.equal(verifyWebhookSignature({
      payload: request.body,
      signature: request.headers['x-continuum-signature'] as string,
      timestamp: request.headers['x-continuum-timestamp'] as string,
      secret: generateWebhookSecret(),
    }), false, 'a wrong secret is rejected');

    // Standard Webhooks libraries take the same key as whsec_<base64>.
    const standard = new Webhook(`whsec_${secret.slice('whs_'.length)}`);
    const verified = standard.verify(request.body, {
      'webhook-id': request.headers['webhook-id'] as string,
      'webhook-timestamp': request.headers['webhook-timestamp'] as string,
      'webhook-signature': request.headers['webhook-signature'] as string,
    });
    assert.deepEqual(verified, body);
    assert.equal(request.headers['webhook-id'], deliveryId);

    const delivery = await eventually('delivery succeeded', async () => {
      const row = await stack.system.db('deliveries').where({ id: deliveryId }).first();
      return row?.status === 'succeeded' ? row : null;
    });
    assert.equal(delivery.attempt_count, 1);
    assert.equal(delivery.last_status_code, 200);
    assert.ok(delivery.workflow_started_at, 'workflow start recorded');
    const attempts = await stack.system.db('delivery_attempts').where({ delivery_id: deliveryId });
    assert.equal(attempts.length, 1);
    assert.equal(attempts[0].status_code, 200);
    assert.equal(attempts[0].response_body, 'ok');
    assert.equal(attempts[0].trigger, 'scheduled');
  });

  it('runs each delivery as a workflow delivery:<id>, searchable by WebhookId', async function () {
    const created = await stack.api('POST', '/webhooks', { url: receiver.url, events: ['user.created'], name: 'search' });
    const published = await stack.api('POST', '/events', { event: 'user.created', data: { user_id: 'u1' } });
    const deliveryId = published.body.delivery_ids[0];
    const connection = await Connection.connect({ address: getInfra().temporalAddress });
    try {
      const client = new Client({ connection });
      const handle = client.workflow.getHandle(`delivery:${deliveryId}`);
      // Publish answers before the start queue has started the workflow.
      await eventually('the workflow started', () => handle.describe());
      const result = await handle.result();
      assert.equal(result.status, 'succeeded');
      const found = await eventually('visibility lists the workflow by WebhookId', async () => {
        const ids: string[] = [];
        for await (const wf of client.workflow.list({ query: `WebhookId = "${created.body.id}"` })) ids.push(wf.workflowId);
        return ids.includes(`delivery:${deliveryId}`) ? ids.sort() : null;
      });
      // The delivery alone: a healthy endpoint's workflow never runs (Postgres counts the leases).
      assert.deepEqual(found, [`delivery:${deliveryId}`]);
      const description = await handle.describe();
      // Succeeded at the first try: no DeliveryStatus written (the common path), closed Completed.
      assert.equal(description.searchAttributes.DeliveryStatus, undefined);
      assert.equal(description.status.name, 'COMPLETED');
      assert.deepEqual(description.searchAttributes.EventType, ['user.created']);
      // Granted at once (closed circuit, free permit): the history holds its one attempt and
      // no timer; the age limit only arms for a delivery the circuit holds.
      const events = (await handle.fetchHistory()).events ?? [];
      assert.equal(events.filter((e) => e.timerStartedEventAttributes).length, 0, 'no timer');
      assert.equal(events.filter((e) => e.markerRecordedEventAttributes).length, 1, 'one attempt (local activity marker)');
      assert.equal(events.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes).length, 0, 'no search attribute write');
    } finally {
      await connection.close();
    }
  });

  it('creates no delivery for webhooks not subscribed to the type, or inactive', async function () {
    await stack.api('POST', '/webhooks', { url: receiver.url, events: ['session.started'], name: 'inactive', active: false });
    const published = await stack.api('POST', '/events', { event: 'session.started', data: { session_id: 's1' } });
    assert.equal(published.status, 202);
    assert.deepEqual(published.body.delivery_ids, []);
  });
});
