import assert from 'node:assert/strict';
import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { retryNowSignal } from '../../workflows/messages';
import { eventually } from '../helpers/wait';
import { LONG_MS, WorkflowHarness } from '../helpers/workflowHarness';

describe('delivery and endpoint workflows with fake activities (the permit protocol)', function () {
  this.timeout(60_000);
  let h: WorkflowHarness;

  beforeEach(async function () {
    h = await WorkflowHarness.start();
  });

  afterEach(async function () {
    await h.stop();
  });

  it('a delivery started holding its permit attempts at once, asking nobody', async function () {
    const delivery = await h.startDelivery({ firstGrant: { leaseId: 'first', probe: false } });
    assert.equal((await delivery.handle.result()).status, 'succeeded');
    assert.deepEqual(h.attemptsOf(delivery.id).map((a) => a.permit?.leaseId), ['first']);
    assert.deepEqual(h.queue, [], 'it never joined the queue');
    const events = (await delivery.handle.fetchHistory()).events ?? [];
    assert.equal(events.filter((e) => e.workflowTaskCompletedEventAttributes).length, 1, 'one workflow task');
  });

  it('a later attempt joins the queue, waits for its grant, and gives back one it did not ask for', async function () {
    let calls = 0;
    h.attemptScript = async () => (++calls === 1 ? 'retrying' : 'succeeded');
    const delivery = await h.startDelivery({ firstGrant: { leaseId: 'first', probe: false }, retryScheduleMs: [10] });
    await eventually('it asks for its next permit', async () => h.queue.some((q) => q.deliveryId === delivery.id));
    await h.grant(delivery.id, 'first'); // the first batch repeated: ignored
    await h.grant(delivery.id, 'second');
    assert.equal((await delivery.handle.result()).status, 'succeeded');
    assert.deepEqual(h.attemptsOf(delivery.id).map((a) => a.permit?.leaseId), ['first', 'second']);
    await h.grant(delivery.id, 'stray').catch(() => {}); // closed: refused by Temporal
    const waiting = await h.startDelivery({ firstGrant: { leaseId: 'x', probe: false }, retryScheduleMs: [LONG_MS] });
    h.attemptScript = async () => 'retrying';
    await eventually('attempted', async () => h.attemptsOf(waiting.id).length === 1);
    await h.grant(waiting.id, 'unasked');
    await eventually('the unasked grant returned', async () => h.returned.includes('unasked'));
    assert.equal(h.attemptsOf(waiting.id).length, 1, 'no attempt on a permit it did not ask for');
  });

  it('dead-letters without an attempt a delivery that waited past the maximum age, leaving the queue', async function () {
    h.askAnswer = { held: true };
    const delivery = await h.startDelivery({ createdAtMs: Date.now(), maxDeliveryAgeMs: 3000 });
    const result = await delivery.handle.result();
    assert.equal(result.status, 'dead_lettered');
    assert.match(result.error ?? '', /^expired/);
    assert.deepEqual(h.statusesOf(delivery.id), ['dead_lettered']);
    assert.deepEqual([h.attemptsOf(delivery.id).length, h.queue.length], [0, 0]);
  });

  it('a grant that claimed it as it gave up waiting is used, not lost', async function () {
    h.askAnswer = { held: false };
    const delivery = await h.startDelivery({ createdAtMs: Date.now(), maxDeliveryAgeMs: 2000 });
    await eventually('queued', async () => h.queue.length === 1);
    h.queue.splice(0); // claimed by a grant on its way: the withdrawal finds nothing to withdraw
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await h.grant(delivery.id, 'late');
    assert.equal((await delivery.handle.result()).status, 'succeeded');
    assert.deepEqual(h.attemptsOf(delivery.id).map((a) => a.permit?.leaseId), ['late']);
  });

  it('leaves the queue and is cancelled when its workflow is cancelled while it waits', async function () {
    const delivery = await h.startDelivery();
    await eventually('queued', async () => h.queue.length === 1);
    await delivery.handle.cancel();
    await assert.rejects(delivery.handle.result(), (err: unknown) => err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure);
    assert.deepEqual([h.queue.length, h.statusesOf(delivery.id)], [0, ['cancelled']]);
  });

  it('makes one more, manual, attempt when a retry is asked for while the last attempt runs', async function () {
    let finishFirst = () => {};
    const firstFinished = new Promise<void>((resolve) => {
      finishFirst = resolve;
    });
    h.attemptScript = async (_request, attemptNumber) => {
      if (attemptNumber > 1) return 'succeeded';
      await firstFinished;
      return 'dead_lettered'; // the last attempt of the schedule failed
    };
    const delivery = await h.startDelivery({ retryScheduleMs: [], firstGrant: { leaseId: 'first', probe: false } });
    await eventually('the first attempt to be running', async () => h.attemptsOf(delivery.id).length === 1);
    await delivery.handle.signal(retryNowSignal);
    finishFirst();
    await eventually('asks for the manual attempt\'s permit', async () => h.queue.length === 1);
    await h.grant(delivery.id, 'manual');
    assert.equal((await delivery.handle.result()).status, 'succeeded');
    assert.deepEqual(h.attemptsOf(delivery.id).map((a) => a.trigger), ['scheduled', 'manual']);
  });

  it('the endpoint starts waiting deliveries as its permits allow, in batches, and ends when idle', async function () {
    await h.startEndpoint({ maxConcurrency: 3 }, { idleTimeoutMs: 1500 });
    const ids = await h.publish(10);
    await eventually('all delivered', async () => ids.every((id) => h.attemptsOf(id).length === 1), 30_000);
    assert.ok(h.batches.every((b) => b.room <= 3), `never more room than max_concurrency: ${h.batches.map((b) => b.room)}`);
    assert.ok(h.batches.length <= 8, `started in batches (${h.batches.length} for 10 deliveries)`);
    assert.equal(new Set(h.batches.map((b) => b.batchId)).size, h.batches.length, 'each batch has its own id');
    await eventually('the endpoint workflow ended idle', async () => (await h.endpointHandle().describe()).status.name === 'COMPLETED', 20_000);
    const [again] = await h.publish(1);
    await eventually('a wake starts it again and it delivers', async () => h.attemptsOf(again).length === 1, 20_000);
  });

  it('an open circuit starts nothing; at half-open exactly one probe, then the rest once it closes', async function () {
    await h.startEndpoint({ maxConcurrency: 5, circuit: 'open', openedAt: Date.now(), halfOpenAt: Date.now() + 2000, backlog: true });
    const ids = await h.publish(4);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(h.attempts.length, 0, 'nothing while open');
    await eventually('probe and the rest', async () => ids.every((id) => h.attemptsOf(id).length === 1), 30_000);
    const probes = h.attempts.filter((a) => a.permit?.probe);
    assert.equal(probes.length, 1, 'one probe');
    assert.equal(probes[0], h.attempts[0], 'the probe went first, alone');
    assert.equal((await h.endpointStatus()).state, 'closed');
  });
});
