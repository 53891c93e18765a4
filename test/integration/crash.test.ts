import assert from 'node:assert/strict';
import { createTestDatabase } from '../helpers/infra';
import { Receiver } from '../helpers/receiver';
import { Scenario } from '../helpers/scenario';
import { startTestSystem, type TestSystem } from '../helpers/system';
import { eventually } from '../helpers/wait';
import { WorkerProcess } from '../helpers/workerProcess';

describe('worker crash', function () {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: TestSystem;
  let receiver: Receiver;
  const workers: WorkerProcess[] = [];

  before(async function () {
    database = await createTestDatabase();
    // Short attempt timeout: an attempt lost with its worker is retried after ~7 s.
    api = await startTestSystem(database.url, { CONTINUUM_DELIVERY_TIMEOUT: '2s', LOG_LEVEL: 'warn' }, ['api']);
    receiver = await new Receiver().start();
  });

  after(async function () {
    for (const worker of workers) await worker.kill();
    await receiver?.stop();
    await api?.stop();
    await database?.drop();
  });

  it('loses no delivery and leaks no permit when the worker is killed mid-request', async function () {
    const s = new Scenario(api);
    receiver.respond = () => ({ status: 200, delayMs: 1000 });
    const first = await new WorkerProcess(api.env).start();
    workers.push(first);
    const webhookId = await s.webhook(receiver);
    const ids = await s.publish(12);
    await eventually('requests in flight', async () => receiver.inFlight >= 3);
    await first.kill();
    const delivered = new Set(receiver.requests.map((r) => r.headers['x-continuum-delivery']));
    assert.ok(delivered.size < ids.length, 'the crash happened before everything was delivered');

    workers.push(await new WorkerProcess(api.env).start());
    await s.waitForStatus(ids, 'succeeded', 120_000);
    const received = new Set(receiver.requests.map((r) => r.headers['x-continuum-delivery']));
    assert.deepEqual([...received].sort(), [...ids].sort(), 'every delivery reached the receiver (duplicates allowed)');
    const gate = await eventually('the gate is back to 0 in flight', async () => {
      const c = await s.circuit(webhookId);
      return c.in_flight === 0 && c.queued === 0 ? c : null;
    });
    assert.equal(gate.state, 'closed');
  });
});
