import assert from 'node:assert/strict';
import { createGateActivities } from '../../activities/gate';
import { OperationalEvents } from '../../src/events/operational';
import { storeDelivery } from '../helpers/rows';
import { useTestStack } from '../helpers/system';

/**
 * The activities that emit operational events, called directly against the real database the
 * way Temporal retries them: the same input again after a commit stores nothing twice.
 */
describe('operational events under activity retries', function () {
  const ctx = useTestStack();
  const started: string[] = [];
  let activities: ReturnType<typeof createGateActivities>;
  let operational: OperationalEvents;

  before(function () {
    operational = new OperationalEvents({
      db: ctx.stack.system.db, failureThreshold: 5, startQueue: { enqueue: (rows) => started.push(...rows.map((r) => r.webhook_id)) },
    });
    activities = createGateActivities({
      db: ctx.stack.system.db, operational, dispatcher: { handOut() {}, dispatch() {} },
      gate: { failureThreshold: 5, claim: { startTtlMs: 10_000 }, operational },
    });
  });

  async function webhook(events: string[], body: Record<string, unknown> = {}): Promise<string> {
    const created = await ctx.stack.api('POST', '/webhooks', { url: ctx.receiver.url, events, name: 'n', ...body });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.id;
  }

  async function stored(type: string, webhookId: string) {
    return ctx.stack.system.db('events').where({ type }).whereRaw(`payload->>'webhook_id' = ?`, [webhookId]).orderBy('id');
  }

  async function recipients(eventId: string): Promise<string[]> {
    return (await ctx.stack.system.db('deliveries').where({ event_id: eventId }).select('webhook_id')).map((d: { webhook_id: string }) => d.webhook_id);
  }

  it('circuit: one opened per open period however often the same change is recorded, one closed, a new period opens anew', async function () {
    const about = await webhook(['webhook.circuit_opened', 'webhook.circuit_closed']);
    const t0 = Date.now() - 10_000;
    const record = (state: 'open' | 'half_open' | 'closed', openedAtMs: number | null) => operational.circuitChanged(about, state, openedAtMs === null ? null : new Date(openedAtMs));
    // Nobody else listens yet: nothing is kept (the webhook itself is never told).
    await record('open', t0 - 60_000);
    await record('closed', null);
    assert.equal((await ctx.stack.system.db('events').whereIn('type', ['webhook.circuit_opened', 'webhook.circuit_closed'])).length, 0);

    const watcher = await webhook(['webhook.circuit_opened', 'webhook.circuit_closed']);
    await record('open', t0);
    await record('open', t0); // the activity retried after its commit
    await record('half_open', t0);
    await record('open', t0 + 5000); // a failed probe: same period
    const opened = await stored('webhook.circuit_opened', about);
    assert.equal(opened.length, 1);
    assert.equal(opened[0].payload.opened_at, new Date(t0).toISOString(), 'the period began at the first opening');
    assert.deepEqual(await recipients(opened[0].id), [watcher], 'never to the webhook it is about');
    assert.equal((await ctx.stack.system.db('webhooks').where({ id: about }).first()).circuit_open_since.getTime(), t0);

    await record('closed', null);
    await record('closed', null);
    const closed = await stored('webhook.circuit_closed', about);
    assert.equal(closed.length, 1);
    assert.equal(closed[0].payload.opened_at, new Date(t0).toISOString());
    assert.equal((await ctx.stack.system.db('webhooks').where({ id: about }).first()).circuit_open_since, null);

    await record('open', t0 + 20_000);
    assert.equal((await stored('webhook.circuit_opened', about)).length, 2, 'a new open period');
    assert.ok(started.includes(watcher), 'the deliveries were handed to the start queue');
  });

  it('dead letter: one notice however often the final status is set; none for a delivery of a notice or for an inactive webhook\'s circuit', async function () {
    const about = await webhook(['user.created', 'delivery.dead_lettered']);
    const watcher = await webhook(['delivery.dead_lettered']);
    const { deliveryId } = await storeDelivery(ctx.stack.system.db, { tenantId: 'tenant_a', webhookId: about, type: 'user.created', data: {} });
    await ctx.stack.system.db('deliveries').where({ id: deliveryId }).update({ attempt_count: 2, last_status_code: 502 });
    const expire = () => activities.setDeliveryStatus({ deliveryId, status: 'dead_lettered', error: 'expired: waited too long' });
    await expire();
    await expire();
    const notices = await stored('delivery.dead_lettered', about);
    assert.equal(notices.length, 1);
    assert.deepEqual(
      [notices[0].payload.delivery_id, notices[0].payload.attempt_count, notices[0].payload.last_status_code, notices[0].payload.last_error],
      [deliveryId, 2, 502, 'expired: waited too long'],
    );
    assert.deepEqual(await recipients(notices[0].id), [watcher]);

    // The watcher's delivery of that notice dies too: nobody is told.
    const [noticeDelivery] = await ctx.stack.system.db('deliveries').where({ event_id: notices[0].id });
    await activities.setDeliveryStatus({ deliveryId: noticeDelivery.id, status: 'dead_lettered', error: 'HTTP 500' });
    assert.equal((await stored('delivery.dead_lettered', watcher)).length, 0);

    // A deactivated webhook's late circuit change tells nobody.
    const inactive = await webhook(['user.created'], { active: false });
    await operational.circuitChanged(inactive, 'open', new Date());
    assert.equal((await stored('webhook.circuit_opened', inactive)).length, 0);
  });
});
