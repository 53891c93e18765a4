import assert from 'node:assert/strict';
import { delivered, distinctDeliveries, settle, waitForDelivered } from '../helpers/notices';
import { Receiver } from '../helpers/receiver';
import { tableCounts } from '../helpers/rows';
import { Scenario } from '../helpers/scenario';
import { useTestStack } from '../helpers/system';
import { eventually } from '../helpers/wait';

const OPERATIONAL = ['webhook.circuit_opened', 'webhook.circuit_closed', 'webhook.disabled', 'delivery.dead_lettered'];
const OPEN_MS = 300;

describe('operational events', function () {
  // Two failures open a circuit; it half-opens after 300 ms: a delivery's 6 attempts are 2
  // failures and 4 failed probes, all in one open period.
  const ctx = useTestStack({ CONTINUUM_CIRCUIT_FAILURE_THRESHOLD: '2', CONTINUUM_CIRCUIT_OPEN_DURATION: `${OPEN_MS}ms` });
  let s: Scenario;
  let failing: Receiver;
  let healthy = false;

  before(async function () {
    s = new Scenario(ctx.stack);
    failing = await new Receiver().start();
    failing.respond = () => (healthy ? { status: 200 } : { status: 500, body: 'down' });
  });

  beforeEach(function () {
    healthy = false;
    failing.requests.length = 0;
    ctx.receiver.requests.length = 0;
  });

  afterEach(async function () {
    await s.cleanup();
  });

  after(async function () {
    await failing?.stop();
  });

  /** The tenant's operational events about a webhook, as stored. */
  async function storedAbout(webhookId: string, type: string) {
    const rows = await ctx.stack.system.db('events').where({ type }).whereRaw(`payload->>'webhook_id' = ?`, [webhookId]);
    return rows as Array<{ id: string; payload: Record<string, any> }>;
  }

  /** A watcher (the stack's healthy receiver) subscribed to every operational type. */
  const watch = () => s.webhook(ctx.receiver, { events: OPERATIONAL, name: 'watcher' });
  /** A webhook that fails and subscribes to its own notices too: it must never get them. */
  const failingWebhook = (events: string[] = ['memory.created', ...OPERATIONAL]) => s.webhook(failing, { events, name: 'failing' });

  it('operational types can be subscribed to but not published (400 naming the field, nothing stored)', async function () {
    const before = await tableCounts(ctx.stack.system.db);
    const refused = await ctx.stack.api('POST', '/events', { event: 'webhook.disabled', data: { webhook_id: 'wh_x' } });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.details[0].field, 'body.event');
    const reserved = await ctx.stack.api('POST', '/events', { event: 'user.created', data: { user_id: 'u1' }, idempotency_key: 'continuum:webhook.disabled:x' });
    assert.equal(reserved.status, 400);
    assert.equal(reserved.body.error.details[0].field, 'body.idempotency_key');
    assert.deepEqual(await tableCounts(ctx.stack.system.db), before);
    const created = await ctx.stack.api('POST', '/webhooks', { url: ctx.receiver.url, events: OPERATIONAL, name: 'ops' });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body.events, OPERATIONAL);
    await ctx.stack.api('DELETE', `/webhooks/${created.body.id}`);
  });

  it('a circuit opening emits one webhook.circuit_opened (still one after failed probes), never to itself; closing emits webhook.circuit_closed', async function () {
    const watcher = await watch();
    const webhookId = await failingWebhook();
    const [first] = await s.publish(1);
    await s.waitForStatus([first], 'dead_lettered');
    assert.equal(failing.requests.length, 6, '2 failures, then 4 failed probes');

    const [opened] = await waitForDelivered(ctx.receiver, 'webhook.circuit_opened');
    assert.equal(opened.data.webhook_id, webhookId);
    assert.equal(opened.data.webhook_name, 'failing');
    assert.equal(opened.data.webhook_url, failing.url);
    assert.equal(opened.data.consecutive_failures, 2);
    assert.equal(opened.tenant_id, 'tenant_a');
    assert.equal((await storedAbout(webhookId, 'webhook.circuit_opened')).length, 1, 'one per open period, whatever the probes did');
    assert.equal(distinctDeliveries(delivered(ctx.receiver, 'webhook.circuit_opened')).length, 1);

    // The endpoint recovers: the next probe succeeds and the circuit closes.
    healthy = true;
    const [second] = await s.publish(1);
    await s.waitForStatus([second], 'succeeded');
    const [closed] = await waitForDelivered(ctx.receiver, 'webhook.circuit_closed');
    assert.equal(closed.data.webhook_id, webhookId);
    assert.equal(closed.data.opened_at, opened.data.opened_at, 'closes the period that opened');
    assert.ok(Date.parse(closed.data.closed_at) >= Date.parse(closed.data.opened_at));
    await settle(OPEN_MS * 3);
    assert.equal((await storedAbout(webhookId, 'webhook.circuit_opened')).length, 1);
    assert.equal((await storedAbout(webhookId, 'webhook.circuit_closed')).length, 1);
    const metrics = await (await fetch(`${ctx.stack.system.apiUrl}/metrics`)).text();
    assert.match(metrics, /^continuum_operational_events_total\{type="webhook\.circuit_opened"\} 1$/m);
    assert.match(metrics, /^continuum_operational_events_total\{type="webhook\.circuit_closed"\} 1$/m);

    // The failing webhook subscribes to every notice, yet got only its own events.
    assert.deepEqual([...new Set(delivered(failing).map((d) => d.event))], ['memory.created']);
    const about = await ctx.stack.system.db('deliveries as d').join('events as e', 'e.id', 'd.event_id')
      .whereIn('e.type', OPERATIONAL).select('d.webhook_id');
    assert.ok(about.length >= 3);
    assert.ok(about.every((d: { webhook_id: string }) => d.webhook_id === watcher), 'every notice went to the watcher only');
  });

  it('a dead-lettered delivery emits delivery.dead_lettered with webhook, delivery, event, attempts, last status and error', async function () {
    await watch();
    const webhookId = await failingWebhook();
    const [deliveryId] = await s.publish(1);
    await s.waitForStatus([deliveryId], 'dead_lettered');
    const row = await s.delivery(deliveryId);

    const [notice] = await waitForDelivered(ctx.receiver, 'delivery.dead_lettered');
    assert.deepEqual(
      { ...notice.data, dead_lettered_at: undefined },
      {
        webhook_id: webhookId, webhook_name: 'failing', webhook_url: failing.url, delivery_id: deliveryId, event_id: row.event_id,
        event_type: 'memory.created', attempt_count: 6, last_status_code: 500, last_error: 'HTTP 500', dead_lettered_at: undefined,
      },
    );
    assert.equal(notice.data.dead_lettered_at, row.completed_at.toISOString());
    const published = await ctx.stack.api('GET', `/events/${(await storedAbout(webhookId, 'delivery.dead_lettered'))[0].id}`);
    assert.equal(published.status, 200, 'the notice is an event of the tenant like any other');
    assert.equal(published.body.event, 'delivery.dead_lettered');
  });

  it('a dead-lettered delivery of a notice emits no further notice (no chain)', async function () {
    // The source's dead letter is reported to the listener and the watcher; the listener fails
    // too, so its delivery of that notice dead-letters in turn, and the watcher hears nothing of it.
    await watch();
    const source = await failingWebhook(['memory.created']);
    const listener = await failingWebhook(['delivery.dead_lettered']);
    const [deliveryId] = await s.publish(1);
    await s.waitForStatus([deliveryId], 'dead_lettered');
    // The first row, not the list: an empty list is truthy and would end the wait before the notice is stored.
    const notice = await eventually('the notice stored', async () => (await storedAbout(source, 'delivery.dead_lettered'))[0]);
    await eventually('the notice dead-lettered at the listener', async () =>
      ctx.stack.system.db('deliveries').where({ event_id: notice.id, webhook_id: listener, status: 'dead_lettered' }).first());
    await settle(500);
    assert.equal((await storedAbout(listener, 'delivery.dead_lettered')).length, 0);
    const heard = distinctDeliveries(delivered(ctx.receiver, 'delivery.dead_lettered'));
    assert.deepEqual(heard.map((d) => d.data.webhook_id), [source], 'the watcher heard of the source only');
  });
});
