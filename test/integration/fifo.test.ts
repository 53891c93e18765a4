import assert from 'node:assert/strict';
import { assertLineOrder, LineReplies, publishInTurn } from '../helpers/lines';
import { collectHistories, replay, saveFixtures } from '../helpers/histories';
import { Receiver } from '../helpers/receiver';
import { Scenario } from '../helpers/scenario';
import { useTestStack } from '../helpers/system';
import { eventually } from '../helpers/wait';

/**
 * Ordered delivery (docs/delivery.md, "Ordered delivery"): on a fifo webhook, a delivery's first attempt
 * starts only after the one ahead of it in its line finished, retries hold the line, and lines
 * run side by side up to max_concurrency. The order is the order publishes were accepted.
 */
describe('fifo webhooks deliver in order, per ordering key', function () {
  const ctx = useTestStack();
  let s: Scenario;
  let receiver: Receiver;

  before(async function () {
    s = new Scenario(ctx.stack);
    receiver = await new Receiver().start();
  });
  after(async () => receiver?.stop());
  afterEach(async function () {
    await s.cleanup();
    receiver.requests.length = 0;
    receiver.maxInFlight = 0;
  });

  const publish = (keys: Array<string | null>) => publishInTurn(ctx.stack.api, keys);

  async function waitAllSucceeded(lines: Map<string, string[]>): Promise<void> {
    await s.waitForStatus([...lines.values()].flat(), 'succeeded', 120_000);
  }

  it('one line: 40 events against a receiver failing 30 % of attempts arrive in order, never two at once', async function () {
    const replies = new LineReplies({ failureRate: 0.3 });
    receiver.respond = replies.respond;
    const webhookId = await s.webhook(receiver, { ordering: 'fifo', max_concurrency: 5 });
    const lines = await publish(Array.from({ length: 40 }, () => null));
    await waitAllSucceeded(lines);

    assertLineOrder(receiver.requests, lines);
    const [ids] = [...lines.values()];
    // The request of the one ahead that came last was its success: it had finished.
    for (let i = 1; i < ids.length; i++) {
      const ahead = replies.log.filter((r) => r.deliveryId === ids[i - 1]);
      assert.equal(ahead[ahead.length - 1].ok, true, `${ids[i - 1]} succeeded before ${ids[i]} started`);
    }
    assert.equal(receiver.maxInFlight, 1, 'one line: one request at a time, whatever max_concurrency allows');
    assert.ok(replies.log.some((r) => !r.ok), 'some attempts failed (so retries held the line)');
    // A line's deliveries (retries, waits behind the head) replay, and some are kept as fixtures.
    const histories = (await collectHistories([webhookId])).slice(0, 8);
    await replay(histories);
    await saveFixtures('gateFifo', histories);
    const places = await ctx.stack.system.db('deliveries').whereIn('id', ids).select('id', 'ordering_seq');
    const placeOf = new Map(places.map((p: { id: string; ordering_seq: string }) => [p.id, BigInt(p.ordering_seq)]));
    ids.slice(1).forEach((id, i) => assert.ok((placeOf.get(id) as bigint) > (placeOf.get(ids[i]) as bigint), 'places follow the order of acceptance'));
    const webhook = (await ctx.stack.api('GET', `/webhooks/${webhookId}`)).body;
    assert.equal(webhook.ordering, 'fifo');
  });

  it('three ordering keys: order holds within each key, and the lines run side by side', async function () {
    const replies = new LineReplies({ failureRate: 0.3, replyMs: 40 });
    receiver.respond = replies.respond;
    await s.webhook(receiver, { ordering: 'fifo', max_concurrency: 3 });
    const keys = Array.from({ length: 45 }, (_, i) => ['alpha', 'beta', 'gamma'][i % 3]);
    const lines = await publish(keys);
    await waitAllSucceeded(lines);

    assertLineOrder(receiver.requests, lines);
    for (const key of ['alpha', 'beta', 'gamma']) assert.equal(replies.maxInFlightPerLine.get(key), 1, `line ${key}: one at a time`);
    assert.ok(receiver.maxInFlight > 1, `lines ran side by side (at most ${receiver.maxInFlight} in flight)`);
    assert.ok(receiver.maxInFlight <= 3, 'never more than max_concurrency');
  });

  it('a delivery waiting for the one ahead says so, naming it; the head holds the line while it retries', async function () {
    let failing = true;
    receiver.respond = () => (failing ? { status: 503, body: 'down' } : { status: 200, body: 'ok' });
    const webhookId = await s.webhook(receiver, { ordering: 'fifo', retry_schedule: ['1s', '1s', '1s', '1s', '1s'] });
    const lines = await publish(['k', 'k', 'k']);
    const [head, second, third] = lines.get('k') as string[];
    await eventually('the head retried', async () => (receiver.requests.length >= 2 ? true : null));
    const get = async (id: string) => (await ctx.stack.api('GET', `/webhooks/${webhookId}/deliveries/${id}`)).body;
    const [h, b, c] = [await get(head), await get(second), await get(third)];
    assert.deepEqual([h.waiting_for, b.waiting_for, c.waiting_for], [null, head, second]);
    assert.deepEqual([b.ordering_key, b.status], ['k', 'pending']);
    const listed = (await ctx.stack.api('GET', `/webhooks/${webhookId}/deliveries`)).body.data;
    assert.equal(listed.find((d: { id: string }) => d.id === third).waiting_for, second, 'the list says it too');
    assert.ok(receiver.requests.every((r) => r.headers['x-continuum-delivery'] === head), 'nothing behind the failing head was sent');
    // A redelivery of the head's event is a new delivery at the end of the same line.
    const again = await ctx.stack.api('POST', `/events/${h.event_id}/redeliver`, {});
    const [{ id: fourth }] = again.body.deliveries as Array<{ id: string }>;
    const d = await get(fourth);
    assert.deepEqual([d.ordering_key, d.waiting_for], ['k', third]);
    lines.get('k')?.push(fourth);

    failing = false;
    await waitAllSucceeded(lines);
    assertLineOrder(receiver.requests, lines);
    assert.equal((await get(third)).waiting_for, null);
  });

  it('ordering "none" (the default) keeps today\'s behaviour: no order, no waiting', async function () {
    const release = receiver.hold();
    const webhookId = await s.webhook(receiver, { max_concurrency: 4 });
    const lines = await publish(['k', 'k', 'k', 'k']);
    await eventually('all four in flight together', async () => (receiver.inFlight === 4 ? true : null));
    release();
    await waitAllSucceeded(lines);
    const webhook = (await ctx.stack.api('GET', `/webhooks/${webhookId}`)).body;
    assert.deepEqual([webhook.ordering, webhook.retry_schedule], ['none', null]);
  });
});
