import assert from 'node:assert/strict';
import { retryNowSignal } from '../../workflows/messages';
import { eventually } from '../helpers/wait';
import { LONG_MS, WorkflowHarness } from '../helpers/workflowHarness';

describe('delivery and endpoint workflows with fake activities: attempts', function () {
  this.timeout(60_000);
  let h: WorkflowHarness;

  beforeEach(async function () {
    h = await WorkflowHarness.start();
  });

  afterEach(async function () {
    await h.stop();
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
