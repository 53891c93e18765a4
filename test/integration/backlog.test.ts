import assert from 'node:assert/strict';
import { Scenario } from '../helpers/scenario';
import { useTestStack } from '../helpers/system';
import { eventually } from '../helpers/wait';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * An endpoint's backlog waits as rows in its permit queue: only the endpoint's grants start
 * delivery workflows, so no more of them are started than it has permits (max_concurrency),
 * and the rest start as those come back. Deliveries waiting for a retry hold no permit.
 */
describe('endpoint backlog (the gate\'s queue)', function () {
  const ctx = useTestStack({
    CONTINUUM_MAX_CONCURRENCY_PER_ENDPOINT: '2',
    CONTINUUM_RETRY_SCHEDULE: '3s',
    CONTINUUM_DELIVERY_TIMEOUT: '60s',
    CONTINUUM_CIRCUIT_FAILURE_THRESHOLD: '100',
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

  /** The webhook's deliveries: started and not final (and of those, waiting for a retry), never started. */
  async function rowCounts(webhookId: string) {
    const rows: Array<{ status: string; workflow_started_at: Date | null }> = await ctx.stack.system.db('deliveries')
      .where({ webhook_id: webhookId }).select('status', 'workflow_started_at');
    const open = rows.filter((r) => r.workflow_started_at && !['succeeded', 'dead_lettered', 'cancelled'].includes(r.status));
    return {
      open: open.length,
      retrying: open.filter((r) => r.status === 'retrying').length,
      unstarted: rows.filter((r) => !r.workflow_started_at).length,
    };
  }

  /** Waits until the endpoint's deliveries settle with `max_concurrency` (2) on the wire and the rest waiting as rows. */
  async function heldBack(webhookId: string, total: number, limit = 2): Promise<void> {
    await eventually('deliveries held back', async () => {
      const c = await rowCounts(webhookId);
      return ctx.receiver.requests.length === limit && c.open === limit && c.unstarted === total - limit ? c : null;
    });
  }

  it('an endpoint that does not answer holds only its limit of workflows; the rest start once it answers', async function () {
    const answer = ctx.receiver.hold();
    const webhookId = await s.webhook(ctx.receiver, { max_concurrency: 2 });
    const ids = await s.publish(12);

    await heldBack(webhookId, 12);
    // Many sweeps (200 ms) later, still held back: only a permit coming back starts another.
    for (let i = 0; i < 10; i++) {
      await sleep(100);
      assert.deepEqual(await rowCounts(webhookId), { open: 2, retrying: 0, unstarted: 10 });
    }
    const circuit = await s.circuit(webhookId);
    assert.deepEqual({ inFlight: circuit.in_flight, queued: circuit.queued }, { inFlight: 2, queued: 10 });
    assert.equal(ctx.receiver.requests.length, 2, 'max_concurrency holds while the endpoint hangs');

    answer();
    await s.waitForStatus(ids, 'succeeded');
    assert.deepEqual(new Set(ctx.receiver.requests.map((r) => r.headers['x-continuum-delivery'])), new Set(ids));
    assert.equal(ctx.receiver.requests.length, 12, 'each delivery once');
  });

  it('a burst to a slow endpoint never has more workflows open than its permits, and all arrive', async function () {
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
    assert.ok(maxOpen <= 2, `at most max_concurrency (2) open at once, saw ${maxOpen}`);
    assert.ok(ctx.receiver.maxInFlight <= 2);
    assert.deepEqual(new Set(ctx.receiver.requests.map((r) => r.headers['x-continuum-delivery'])), new Set(ids));
  });

  it('deliveries waiting for a retry leave room: every event gets its first attempt before the first retry', async function () {
    // Every first attempt fails; the retry comes 3 s later and succeeds.
    const seen = new Set<string>();
    ctx.receiver.respond = (request) => {
      const id = request.headers['x-continuum-delivery'] as string;
      const first = !seen.has(id);
      seen.add(id);
      return first ? { status: 500, body: 'not yet' } : { status: 200, body: 'ok' };
    };
    const webhookId = await s.webhook(ctx.receiver, { max_concurrency: 2 });
    const ids = await s.publish(12);
    await ctx.receiver.waitForRequests(12);
    const firstTwelve = ctx.receiver.requests.slice(0, 12).map((r) => r.headers['x-continuum-delivery']);
    assert.deepEqual(new Set(firstTwelve), new Set(ids), 'the first 12 requests are 12 different deliveries');
    await s.waitForStatus(ids, 'succeeded');
    assert.equal(ctx.receiver.requests.length, 24);
    assert.deepEqual(await rowCounts(webhookId), { open: 0, retrying: 0, unstarted: 0 });
  });

  it('a quota event in a backlog is started before the older events waiting with it', async function () {
    const answer = ctx.receiver.hold();
    // One at a time: each lease is taken by the attempt before it, so arrivals follow the claims' order.
    const webhookId = await s.webhook(ctx.receiver, { max_concurrency: 1 });
    const memory = await s.publish(8);
    await heldBack(webhookId, 8, 1);
    const waiting: string[] = await ctx.stack.system.db('deliveries').where({ webhook_id: webhookId }).whereNull('workflow_started_at').pluck('id');
    const [quota] = await s.publish(1, 'quota.warning');
    answer();
    await s.waitForStatus([...memory, quota], 'succeeded');
    const arrivals = ctx.receiver.requests.map((r) => r.headers['x-continuum-delivery'] as string);
    assert.ok(waiting.length > 0);
    assert.ok(waiting.every((id) => arrivals.indexOf(quota) < arrivals.indexOf(id)), `the quota delivery arrived before every older one that waited with it: ${arrivals.indexOf(quota)}`);
  });
});
