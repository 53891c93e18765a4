import assert from 'node:assert/strict';
import { waitForDelivered } from '../helpers/notices';
import { Receiver } from '../helpers/receiver';
import { Scenario } from '../helpers/scenario';
import { useTestStack } from '../helpers/system';
import { eventually } from '../helpers/wait';

/**
 * 410 Gone (the Standard Webhooks recommendation): the endpoint says it wants nothing more. The
 * webhook is disabled at once with a reason, its waiting deliveries cancelled, and
 * `webhook.disabled` sent to the tenant's other webhooks; PATCH {active: true} turns it back on.
 * The test endpoint reports a 410 and disables nothing.
 */
describe('410 Gone disables the webhook', function () {
  const ctx = useTestStack();
  let s: Scenario;
  let gone: Receiver;

  before(async function () {
    s = new Scenario(ctx.stack);
    gone = await new Receiver().start();
  });
  after(async () => gone?.stop());
  afterEach(async function () {
    await s.cleanup();
    gone.requests.length = 0;
  });

  it('one request, then disabled with a reason, its waiting deliveries cancelled, the others told; later events send nothing', async function () {
    gone.respond = () => ({ status: 410, body: 'gone' });
    await s.webhook(ctx.receiver, { events: ['webhook.disabled'], name: 'watcher' });
    const webhookId = await s.webhook(gone, { max_concurrency: 1, name: 'gone' });
    const ids = await s.publish(5);

    const disabled = await eventually('webhook disabled', async () => {
      const w = (await ctx.stack.api('GET', `/webhooks/${webhookId}`)).body;
      return w.active === false ? w : null;
    });
    assert.equal(disabled.disabled_reason, 'gone: the endpoint answered 410');
    assert.ok(disabled.disabled_at);
    await eventually('every delivery final', async () => {
      const rows = await ctx.stack.system.db('deliveries').whereIn('id', ids).select('status');
      return rows.every((r: { status: string }) => r.status === 'cancelled') ? rows : null;
    });
    assert.equal(gone.requests.length, 1, 'one request: the rest were cancelled, not sent');
    const [attempt] = await s.attempts(gone.requests[0].headers['x-continuum-delivery'] as string);
    assert.deepEqual([attempt.status_code, attempt.error_message], [410, 'the endpoint answered 410 Gone: webhook disabled']);

    const [notice] = await waitForDelivered(ctx.receiver, 'webhook.disabled');
    assert.equal(notice.data.webhook_id, webhookId);
    assert.equal(notice.data.reason, 'gone: the endpoint answered 410');
    assert.equal(notice.data.cancelled_deliveries, 4);

    const later = await ctx.stack.api('POST', '/events', { event: 'memory.created', data: { memory_id: 'mem_2' } });
    assert.equal(later.status, 202);
    assert.deepEqual(later.body.delivery_ids, [], 'a disabled webhook gets no delivery');

    // Back on: the next event is delivered.
    gone.respond = () => ({ status: 200, body: 'ok' });
    const patched = await ctx.stack.api('PATCH', `/webhooks/${webhookId}`, { active: true });
    assert.deepEqual([patched.status, patched.body.active, patched.body.disabled_reason], [200, true, null]);
    const [again] = await s.publish(1);
    await eventually('delivered after re-enabling', async () => (gone.requests.some((r) => r.headers['x-continuum-delivery'] === again) ? true : null));
  });

  it('a 410 on the test endpoint is reported, and disables nothing', async function () {
    gone.respond = () => ({ status: 410, body: 'gone' });
    const webhookId = await s.webhook(gone, { name: 'tested' });
    const tested = await ctx.stack.api('POST', `/webhooks/${webhookId}/test`);
    assert.equal(tested.status, 200, JSON.stringify(tested.body));
    assert.deepEqual([tested.body.success, tested.body.status_code], [false, 410]);
    const webhook = (await ctx.stack.api('GET', `/webhooks/${webhookId}`)).body;
    assert.deepEqual([webhook.active, webhook.disabled_reason], [true, null]);
  });
});
