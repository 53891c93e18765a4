import assert from 'node:assert/strict';
import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { acquirePermitSignal, askAgainSignal, retryNowSignal } from '../../workflows/messages';
import { eventually } from '../helpers/wait';
import { LONG_MS, WorkflowHarness } from '../helpers/workflowHarness';

/** The endpoint's one permit, held by another delivery for the whole test. */
const heldElsewhere = () => ({ leases: [{ leaseId: 'held-elsewhere', deliveryId: 'del_other', grantedAt: Date.now(), probe: false }] });

describe('delivery and endpoint workflows with fake activities', function () {
  this.timeout(60_000);
  let h: WorkflowHarness;

  beforeEach(async function () {
    h = await WorkflowHarness.start();
  });

  afterEach(async function () {
    await h.stop();
  });

  it('gives back a grant for a lease it no longer waits for, without an attempt', async function () {
    await h.startEndpoint();
    h.attemptScript = async () => 'retrying';
    const delivery = await h.startDelivery();
    await eventually('the first attempt to fail and give its permit back', async () =>
      h.attemptsOf(delivery.id).length === 1 && (await h.endpointStatus()).inFlight === 0);
    // A grant the delivery never asked for (as when a notice is repeated after its attempt).
    await h.endpointHandle().signal(acquirePermitSignal, { leaseId: 'stale', deliveryId: delivery.id, high: false });
    // Kept, the stale lease would hold the endpoint's only permit for an hour (the lease timeout).
    await eventually('the stale lease to be granted and given back', async () => {
      const status = await h.endpointStatus();
      return status.runGranted === 2 && status.inFlight === 0;
    });
    assert.equal(h.attemptsOf(delivery.id).length, 1);
  });

  it('asks again for its permit when told that its endpoint workflow is gone', async function () {
    await h.startEndpoint(heldElsewhere());
    const delivery = await h.startDelivery();
    await eventually('the delivery to queue for the permit', async () => (await h.endpointStatus()).queued === 1);
    await h.endpointHandle().terminate('lost, as when an operator terminates it');
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(h.attemptsOf(delivery.id).length, 0, 'waits without asking again until told');
    assert.equal(h.permitRequests.length, 0);

    await delivery.handle.signal(askAgainSignal);
    assert.equal((await delivery.handle.result()).status, 'succeeded');
    // Asked again through the activity, which started a new endpoint workflow that granted it.
    assert.equal(h.permitRequests.length, 1);
    assert.equal(h.permitRequests[0].deliveryId, delivery.id);
    assert.equal(h.attemptsOf(delivery.id).length, 1);
  });

  it('gives back its queued request and is cancelled when its workflow is cancelled', async function () {
    await h.startEndpoint(heldElsewhere());
    const delivery = await h.startDelivery();
    await eventually('the delivery to queue for the permit', async () => (await h.endpointStatus()).queued === 1);

    await delivery.handle.cancel();
    await assert.rejects(delivery.handle.result(), (err) => err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure);
    await eventually('the request to leave the endpoint queue', async () => (await h.endpointStatus()).queued === 0);
    assert.deepEqual(h.statusesOf(delivery.id), ['cancelled']);
    assert.equal(h.statuses.find((s) => s.deliveryId === delivery.id)?.error, 'webhook deleted or deactivated');
    assert.equal(h.attemptsOf(delivery.id).length, 0);
  });

  it('dead-letters without an attempt a delivery the open circuit holds past the maximum age', async function () {
    const now = Date.now();
    await h.startEndpoint({ circuit: 'open', openedAt: now, halfOpenAt: now + LONG_MS });
    const delivery = await h.startDelivery({ createdAtMs: now, maxDeliveryAgeMs: 4000 });

    const result = await delivery.handle.result();
    assert.equal(result.status, 'dead_lettered');
    assert.equal(result.attemptNumber, 0);
    assert.match(result.error ?? '', /^expired/);
    assert.deepEqual(h.statusesOf(delivery.id), ['waiting_circuit', 'dead_lettered']);
    assert.equal(h.attemptsOf(delivery.id).length, 0);
    assert.ok(Date.now() - now >= 4000, 'not before its age limit');
    await eventually('its request to leave the endpoint queue', async () => (await h.endpointStatus()).queued === 0);
  });

  it('makes one more, manual, attempt when a retry is asked for while the last attempt runs', async function () {
    await h.startEndpoint();
    let finishFirst = () => {};
    const firstFinished = new Promise<void>((resolve) => {
      finishFirst = resolve;
    });
    h.attemptScript = async (_request, attemptNumber) => {
      if (attemptNumber > 1) return 'succeeded';
      await firstFinished;
      return 'dead_lettered'; // the last attempt of the schedule failed
    };
    const delivery = await h.startDelivery({ retryScheduleMs: [] });
    await eventually('the first attempt to be running', async () => h.attemptsOf(delivery.id).length === 1);

    await delivery.handle.signal(retryNowSignal);
    finishFirst();
    assert.equal((await delivery.handle.result()).status, 'succeeded');
    assert.deepEqual(h.attemptsOf(delivery.id).map((a) => a.trigger), ['scheduled', 'manual']);
  });
});
