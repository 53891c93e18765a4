import assert from 'node:assert/strict';
import { Scenario } from '../helpers/scenario';
import { useTestStack } from '../helpers/system';
import { eventually } from '../helpers/wait';

const OPEN_PER_ENDPOINT = 4;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * An endpoint's backlog waits as rows: at most CONTINUUM_OPEN_DELIVERIES_PER_ENDPOINT of its
 * delivery workflows are open at once, and the rest start as those finish.
 */
describe('endpoint backlog (dispatcher)', function () {
  const ctx = useTestStack({
    CONTINUUM_MAX_CONCURRENCY_PER_ENDPOINT: '2',
    CONTINUUM_OPEN_DELIVERIES_PER_ENDPOINT: String(OPEN_PER_ENDPOINT),
    CONTINUUM_DISPATCH_RECHECK: '50ms',
    CONTINUUM_CIRCUIT_FAILURE_THRESHOLD: '3',
    CONTINUUM_CIRCUIT_OPEN_DURATION: '10m',
  });
  let s: Scenario;

  before(function () {
    s = new Scenario(ctx.stack);
  });

  afterEach(async function () {
    await s.cleanup();
    ctx.receiver.respond = () => ({ status: 200, body: 'ok' });
    ctx.receiver.requests.length = 0;
  });

  /** The webhook's deliveries by whether their workflow was started and whether they are final. */
  async function rowCounts(webhookId: string) {
    const rows: Array<{ status: string; workflow_started_at: Date | null }> = await ctx.stack.system.db('deliveries')
      .where({ webhook_id: webhookId }).select('status', 'workflow_started_at');
    const final = (status: string) => ['succeeded', 'dead_lettered', 'cancelled'].includes(status);
    return {
      open: rows.filter((r) => r.workflow_started_at && !final(r.status)).length,
      unstarted: rows.filter((r) => !r.workflow_started_at).length,
    };
  }

  it('a dead endpoint holds only its limit of open workflows; the rest start once it is back', async function () {
    let healthy = false;
    ctx.receiver.respond = () => (healthy ? { status: 200, body: 'ok' } : { status: 500, body: 'down' });
    const webhookId = await s.webhook(ctx.receiver, { max_concurrency: 2 });
    const ids = await s.publish(12);

    await eventually('circuit open', async () => (await s.circuit(webhookId)).state === 'open');
    await eventually(`${OPEN_PER_ENDPOINT} open, 8 unstarted`, async () => {
      const counts = await rowCounts(webhookId);
      return counts.open === OPEN_PER_ENDPOINT && counts.unstarted === 8;
    });
    // Many rechecks (50 ms) and periodic passes (200 ms) later, still held back.
    for (let i = 0; i < 10; i++) {
      await sleep(100);
      assert.deepEqual(await rowCounts(webhookId), { open: OPEN_PER_ENDPOINT, unstarted: 8 });
    }
    const circuit = await s.circuit(webhookId);
    assert.ok(circuit.queued + circuit.in_flight <= OPEN_PER_ENDPOINT, JSON.stringify(circuit));

    healthy = true;
    assert.equal((await ctx.stack.api('POST', `/webhooks/${webhookId}/circuit/reset`)).status, 200);
    await s.waitForStatus(ids, 'succeeded');
    const deliveredOk = new Set(ctx.receiver.requests.map((r) => r.headers['x-continuum-delivery']));
    assert.deepEqual([...deliveredOk].sort(), [...ids].sort(), 'every delivery reached the receiver');
  });

  it('a burst to a slow endpoint never has more open workflows than the limit, and all arrive', async function () {
    ctx.receiver.respond = () => ({ status: 200, body: 'ok', delayMs: 40 });
    const webhookId = await s.webhook(ctx.receiver, { max_concurrency: 2 });
    let maxOpen = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        maxOpen = Math.max(maxOpen, (await rowCounts(webhookId)).open);
        await sleep(10);
      }
    })();
    const ids = await s.publish(30);
    await s.waitForStatus(ids, 'succeeded');
    sampling = false;
    await sampler;
    assert.ok(maxOpen >= 2, `deliveries ran (max open ${maxOpen})`);
    assert.ok(maxOpen <= OPEN_PER_ENDPOINT, `at most ${OPEN_PER_ENDPOINT} open at once, saw ${maxOpen}`);
    assert.ok(ctx.receiver.maxInFlight <= 2);
    assert.deepEqual(new Set(ctx.receiver.requests.map((r) => r.headers['x-continuum-delivery'])), new Set(ids));
  });
});
