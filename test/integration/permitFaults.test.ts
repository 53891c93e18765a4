import assert from 'node:assert/strict';
import { Client, Connection } from '@temporalio/client';
import { createTestDatabase, getInfra } from '../helpers/infra';
import { Receiver } from '../helpers/receiver';
import { Scenario } from '../helpers/scenario';
import { startTestSystem, type TestSystem } from '../helpers/system';
import { eventually } from '../helpers/wait';
import { WorkerProcess } from '../helpers/workerProcess';

const MAX = 10;

/**
 * The permit protocol's faults (docs/permits.md): a worker killed in the middle of a grant
 * batch, and an endpoint workflow terminated in the middle of a burst. Each time: nothing lost,
 * every permit back, nothing sent twice beyond what at-least-once allows.
 */
describe('permit protocol under faults', function () {
  this.timeout(300_000);
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: TestSystem;
  let receiver: Receiver;
  const workers: WorkerProcess[] = [];
  let killed: WorkerProcess | null = null;

  before(async function () {
    database = await createTestDatabase();
    // Short attempt timeout: a lease lost with a worker is reclaimed within a minute.
    // Blocks of permits end every second: the faults land across lends, a block's own claims
    // and returns, and a burst outlives the block a terminated endpoint run lent.
    api = await startTestSystem(database.url, { CONTINUUM_DELIVERY_TIMEOUT: '2s', CONTINUUM_PERMIT_BLOCK_DURATION: '1s', LOG_LEVEL: 'warn' }, ['api']);
    receiver = await new Receiver().start();
  });

  const receivers: Receiver[] = [];
  after(async function () {
    for (const worker of workers) await worker.kill();
    for (const r of [receiver, ...receivers]) await r?.stop();
    await api?.stop();
    await database?.drop();
  });

  const db = () => api.system.db;
  const receivedCounts = () => {
    const counts = new Map<string, number>();
    for (const r of receiver.requests) counts.set(r.headers['x-continuum-delivery'] as string, (counts.get(r.headers['x-continuum-delivery'] as string) ?? 0) + 1);
    return counts;
  };

  async function gateEmpties(s: Scenario, webhookId: string) {
    return eventually('every permit back: nothing in flight or queued', async () => {
      const c = await s.circuit(webhookId);
      return c.in_flight === 0 && c.queued === 0 ? c : null;
    }, 120_000);
  }

  it('a worker SIGKILLed during a grant batch or a block\'s claim: the same rows start (a batch repeated under the same leases), none twice, none lost', async function () {
    const s = new Scenario(api);
    receiver.requests.length = 0;
    receiver.respond = () => ({ status: 200, delayMs: 20 });
    const first = await new WorkerProcess(api.env).start();
    workers.push(first);
    const webhookId = await s.webhook(receiver, { max_concurrency: MAX });
    const ids = await s.publish(300);
    // A batch is in progress while rows are claimed and not yet granted (workflows being started).
    const pending = () => db()('deliveries').where({ webhook_id: webhookId }).whereNotNull('claim_batch').whereNull('granted_at')
      .select('id', 'claim_batch') as Promise<Array<{ id: string; claim_batch: string }>>;
    const caught = await eventually('a grant batch in progress', async () => {
      const rows = await pending();
      return rows.length > 0 ? rows : null;
    }, 60_000, 1);
    await first.kill();
    killed = first;
    const interrupted = await pending();
    assert.ok(interrupted.length > 0, `the kill landed mid-batch (claimed then: ${caught.length})`);

    workers.push(await new WorkerProcess(api.env).start());
    await s.waitForStatus(ids, 'succeeded', 180_000);
    const after = await db()('deliveries').whereIn('id', interrupted.map((r) => r.id)).select('id', 'claim_batch', 'granted_at', 'workflow_started_at');
    const batchOf = new Map(after.map((r) => [r.id, r.claim_batch]));
    // An endpoint's batch is repeated by its retried task, same id; a block's own claim (its
    // block died with the worker) goes back to the queue and is claimed afresh.
    const endpointBatches = interrupted.filter((r) => !r.claim_batch.includes('.'));
    assert.deepEqual(endpointBatches.map((r) => batchOf.get(r.id)), endpointBatches.map((r) => r.claim_batch), 'granted by the repeated batch, not claimed again');
    assert.ok(after.every((r) => r.workflow_started_at), `each started: ${JSON.stringify(after)}`);
    const counts = receivedCounts();
    assert.deepEqual(ids.filter((id) => !counts.has(id)), [], 'every delivery reached the receiver');
    const duplicates = [...counts.values()].reduce((n, c) => n + c - 1, 0);
    assert.ok(duplicates <= MAX, `only attempts in flight on the killed worker may repeat: ${duplicates} duplicates`);
    assert.ok(receiver.maxInFlight <= MAX, `${receiver.maxInFlight} in flight at once`);
    const gate = await gateEmpties(s, webhookId);
    assert.equal(gate.state, 'closed');
    await s.cleanup();
  });

  it('the endpoint workflow terminated mid-burst: the sweep starts a fresh one, which delivers the rest, each once', async function () {
    const s = new Scenario(api);
    receivers.push(receiver);
    receiver = await new Receiver().start(); // its own: nothing of the test before is in flight
    receiver.respond = () => ({ status: 200, delayMs: 20 });
    if (workers.length === 0 || workers[workers.length - 1] === killed) workers.push(await new WorkerProcess(api.env).start());
    const webhookId = await s.webhook(receiver, { max_concurrency: 5 });
    const ids = await s.publish(150);
    await eventually('a third delivered', async () => receiver.requests.length >= 50, 60_000);
    const connection = await Connection.connect({ address: getInfra().temporalAddress });
    try {
      const endpoint = new Client({ connection }).workflow.getHandle(`endpoint:${webhookId}`);
      const terminated = (await endpoint.describe()).runId;
      await endpoint.terminate('operator mistake');
      await s.waitForStatus(ids, 'succeeded', 120_000);
      assert.notEqual((await endpoint.describe()).runId, terminated, 'a fresh endpoint run');
    } finally {
      await connection.close();
    }
    const counts = receivedCounts();
    assert.deepEqual(ids.filter((id) => counts.get(id) !== 1).map((id) => [id, counts.get(id)]), [], 'each delivered exactly once (no process died)');
    assert.ok(receiver.maxInFlight <= 2 * 5, `at most twice max_concurrency while the old run's attempts finish: ${receiver.maxInFlight}`);
    await gateEmpties(s, webhookId);
    await s.cleanup();
  });
});
