import assert from 'node:assert/strict';
import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { deliveryWorkflowId, leaseGrantedSignal, retryNowSignal } from '../../workflows/messages';
import { eventually } from '../helpers/wait';
import { LONG_MS, WorkflowHarness } from '../helpers/workflowHarness';

describe('delivery and endpoint workflows with fake activities (the gate\'s workflow side)', function () {
  this.timeout(60_000);
  let h: WorkflowHarness;

  beforeEach(async function () {
    h = await WorkflowHarness.start();
  });

  afterEach(async function () {
    await h.stop();
  });

  it('a delivery started holding its lease attempts at once, asking nobody', async function () {
    const delivery = await h.startDelivery({ firstLease: { leaseId: 'first' } });
    assert.equal((await delivery.handle.result()).status, 'succeeded');
    assert.deepEqual(h.attemptsOf(delivery.id).map((a) => a.leaseId), ['first']);
    assert.deepEqual(h.queue, [], 'it never joined the queue');
    const events = (await delivery.handle.fetchHistory()).events ?? [];
    assert.equal(events.filter((e) => e.workflowTaskCompletedEventAttributes).length, 1, 'one workflow task');
  });

  it('a later attempt joins the queue, waits for its grant, and gives back one it did not ask for', async function () {
    let calls = 0;
    h.attemptScript = async () => (++calls === 1 ? 'retrying' : 'succeeded');
    const delivery = await h.startDelivery({ firstLease: { leaseId: 'first' }, retryScheduleMs: [10] });
    await eventually('it asks for its next lease', async () => h.queue.includes(delivery.id));
    await h.grant(delivery.id, 'second');
    assert.equal((await delivery.handle.result()).status, 'succeeded');
    assert.deepEqual(h.attemptsOf(delivery.id).map((a) => a.leaseId), ['first', 'second']);
    const waiting = await h.startDelivery({ firstLease: { leaseId: 'x' }, retryScheduleMs: [LONG_MS] });
    h.attemptScript = async () => 'retrying';
    await eventually('attempted', async () => h.attemptsOf(waiting.id).length === 1);
    await h.grant(waiting.id, 'unasked');
    await eventually('the unasked lease given back', async () => h.returned.includes('unasked'));
    assert.equal(h.attemptsOf(waiting.id).length, 1, 'no attempt on a lease it did not ask for');
  });

  it('a lease the claim took as it asked is used at once; a lease lost before the attempt is asked for again', async function () {
    let calls = 0;
    h.attemptScript = async () => {
      calls++;
      if (calls === 1) return 'retrying';
      if (calls > 2) return 'succeeded';
      h.askAnswer = { lease: null, held: false }; // the next ask waits in the queue
      return 'lease_lost';
    };
    h.askAnswer = { lease: { leaseId: 'at-once' }, held: false };
    const delivery = await h.startDelivery({ firstLease: { leaseId: 'first' }, retryScheduleMs: [10] });
    await eventually('queued after the lost lease', async () => h.queue.includes(delivery.id));
    await h.grant(delivery.id, 'third');
    assert.equal((await delivery.handle.result()).status, 'succeeded');
    assert.deepEqual(h.attemptsOf(delivery.id).map((a) => a.leaseId), ['first', 'at-once', 'third']);
  });

  it('a grant that came before its first task, the first lease having expired meanwhile, is used: the newest lease wins', async function () {
    h.attemptScript = async (request) => (request.leaseId === 'old' ? 'lease_lost' : 'succeeded');
    const id = `del_late_${Date.now()}`;
    // A first task that came late: the claim's first lease expired, the row was claimed again and its lease signalled.
    const handle = await h.client.workflow.signalWithStart('deliveryWorkflowV3', {
      workflowId: deliveryWorkflowId(id), taskQueue: h.taskQueue, signal: leaseGrantedSignal, signalArgs: [{ leaseId: 'new' }],
      args: [{ deliveryId: id, tenantId: 'default', webhookId: h.webhookId, retryScheduleMs: [LONG_MS], createdAtMs: Date.now(), maxDeliveryAgeMs: LONG_MS, firstLease: { leaseId: 'old' } }],
    });
    assert.equal((await handle.result()).status, 'succeeded');
    assert.ok(h.attemptsOf(id).some((a) => a.leaseId === 'new'), 'the newest lease made the attempt');
    assert.deepEqual([h.queue, h.returned.filter((l) => l === 'new')], [[], []], 'it asked nobody, and kept the lease it used');
  });

  it('dead-letters without an attempt a delivery that waited past the maximum age, leaving the queue', async function () {
    h.askAnswer = { lease: null, held: true };
    const delivery = await h.startDelivery({ createdAtMs: Date.now(), maxDeliveryAgeMs: 3000 });
    const result = await delivery.handle.result();
    assert.equal(result.status, 'dead_lettered');
    assert.match(result.error ?? '', /^expired/);
    assert.deepEqual(h.statusesOf(delivery.id), ['dead_lettered']);
    assert.deepEqual([h.attemptsOf(delivery.id).length, h.queue.length], [0, 0]);
  });

  it('a lease that claimed it as it gave up waiting is used, not lost', async function () {
    const delivery = await h.startDelivery({ createdAtMs: Date.now(), maxDeliveryAgeMs: 2000 });
    await eventually('queued', async () => h.queue.length === 1);
    h.queue.splice(0); // claimed, its lease on its way: leaving the queue finds nothing to leave
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await h.grant(delivery.id, 'late');
    assert.equal((await delivery.handle.result()).status, 'succeeded');
    assert.deepEqual(h.attemptsOf(delivery.id).map((a) => a.leaseId), ['late']);
  });

  it('ends cancelled, asking nothing, when there is nothing to deliver to', async function () {
    h.askAnswer = null;
    const delivery = await h.startDelivery();
    assert.equal((await delivery.handle.result()).status, 'cancelled');
    assert.deepEqual([h.attemptsOf(delivery.id).length, h.statusesOf(delivery.id)], [0, ['cancelled']]);
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
    const delivery = await h.startDelivery({ retryScheduleMs: [], firstLease: { leaseId: 'first' } });
    await eventually('the first attempt to be running', async () => h.attemptsOf(delivery.id).length === 1);
    await delivery.handle.signal(retryNowSignal);
    finishFirst();
    await eventually('asks for the manual attempt\'s lease', async () => h.queue.length === 1);
    await h.grant(delivery.id, 'manual');
    assert.equal((await delivery.handle.result()).status, 'succeeded');
    assert.deepEqual(h.attemptsOf(delivery.id).map((a) => a.trigger), ['scheduled', 'manual']);
  });

  it('the endpoint workflow keeps the open period\'s timer, half-opens once at its end, and shows its state', async function () {
    const openedAtMs = Date.now();
    await h.circuitChanged({ state: 'open', openedAtMs }, 1500);
    assert.equal((await h.endpointStatus()).state, 'open');
    await h.circuitChanged({ state: 'open', openedAtMs: openedAtMs - 60_000 }, 1500); // an older opening: ignored
    await eventually('half-open after the period', async () => (await h.endpointStatus()).state === 'half_open', 20_000);
    assert.deepEqual(h.transitions, [{ kind: 'half_open', openedAtMs }]);
    const described = await h.endpointHandle().describe();
    assert.deepEqual(described.searchAttributes.CircuitState, ['half_open']);
    await h.circuitChanged({ state: 'closed', openedAtMs: null }); // the probe's 2xx
    await eventually('closed', async () => (await h.endpointStatus()).state === 'closed');
    assert.equal(h.transitions.length, 1, 'no transition of its own while closed');
  });

  it('the operator\'s reset closes an open circuit through the endpoint workflow\'s activity', async function () {
    await h.circuitChanged({ state: 'open', openedAtMs: Date.now() });
    await h.endpoints.resetCircuit({ webhookId: h.webhookId, tenantId: 'default' });
    await eventually('closed', async () => (await h.endpointStatus()).state === 'closed');
    assert.deepEqual(h.transitions, [{ kind: 'reset' }], 'reset, and no half-open: its timer was dropped');
  });
});
