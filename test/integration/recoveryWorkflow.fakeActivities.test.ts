import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { recoveryWorkflow } from '../../workflows';
import type { RecoveryActivities, RecoveryProgress } from '../../workflows/recoveryTypes';
import { getInfra } from '../helpers/infra';
import { eventually } from '../helpers/wait';

const MAX_CONCURRENCY = 3;
const ITEMS = Array.from({ length: 25 }, (_, i) => `del_${String(i).padStart(26, '0')}`);

/** In-memory activities: the matched ids, each wait ending after a few ms (odd ones failed), the outstanding count watched. */
class FakeRecovery {
  readonly started: string[] = [];
  readonly finished: string[] = [];
  outstanding = 0;
  maxOutstanding = 0;
  /** The webhook is deactivated once this many deliveries have started. */
  activeFor = Infinity;

  activities(): RecoveryActivities {
    return {
      loadRecoveryPage: async ({ after, limit }) => ({
        deliveryIds: ITEMS.filter((id) => after === null || id > after).slice(0, limit), maxConcurrency: MAX_CONCURRENCY, webhookActive: true,
      }),
      startRecoveryAttempt: async ({ deliveryId }) => {
        if (this.started.length >= this.activeFor) return { runId: null, webhookActive: false };
        this.started.push(deliveryId);
        this.outstanding++;
        this.maxOutstanding = Math.max(this.maxOutstanding, this.outstanding);
        return { runId: `run-${deliveryId}`, webhookActive: true };
      },
      awaitRecoveryAttempt: async ({ deliveryId }) => {
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.floor(Math.random() * 25)));
        this.outstanding--;
        return ITEMS.indexOf(deliveryId) % 2 === 0;
      },
      finishRecovery: async ({ status }) => {
        this.finished.push(status);
      },
    };
  }
}

describe('recovery workflow with fake activities', function () {
  this.timeout(120_000);
  const taskQueue = `recovery-${randomBytes(6).toString('hex')}`;
  let fake: FakeRecovery;
  let connection: Connection;
  let client: Client;
  let worker: Worker;
  let running: Promise<void>;

  before(async function () {
    fake = new FakeRecovery();
    const { temporalAddress, workflowBundle } = getInfra();
    // The activities read `fake` at call time, so each test may replace it.
    const activities: RecoveryActivities = {
      loadRecoveryPage: (input) => fake.activities().loadRecoveryPage(input),
      startRecoveryAttempt: (input) => fake.activities().startRecoveryAttempt(input),
      awaitRecoveryAttempt: (input) => fake.activities().awaitRecoveryAttempt(input),
      finishRecovery: (input) => fake.activities().finishRecovery(input),
    };
    worker = await Worker.create({ connection: await NativeConnection.connect({ address: temporalAddress }), taskQueue, activities, workflowBundle, shutdownGraceTime: '1s' });
    running = worker.run();
    connection = await Connection.connect({ address: temporalAddress });
    client = new Client({ connection });
  });

  after(async function () {
    worker?.shutdown();
    await running;
    await connection?.close();
  });

  async function recover(itemsPerRun: number): Promise<{ workflowId: string; result: RecoveryProgress }> {
    const workflowId = `recover:rec_${randomBytes(8).toString('hex')}`;
    const handle = await client.workflow.start<typeof recoveryWorkflow>('recoveryWorkflow', {
      workflowId, taskQueue, args: [{ recoveryId: workflowId, tenantId: 't', webhookId: 'wh_x', itemsPerRun, waitTimeoutMs: 60_000 }],
    });
    return { workflowId, result: await handle.result() };
  }

  it('starts each matched delivery once, in order, never more than max_concurrency outstanding, across continue-as-new', async function () {
    fake = new FakeRecovery();
    const { workflowId, result } = await recover(7);
    assert.deepEqual(fake.started, ITEMS);
    assert.ok(fake.maxOutstanding <= MAX_CONCURRENCY, `outstanding at most ${MAX_CONCURRENCY}, saw ${fake.maxOutstanding}`);
    assert.equal(fake.maxOutstanding, MAX_CONCURRENCY, 'the recovery used the room it had');
    assert.deepEqual(result, { after: ITEMS.at(-1), started: 25, succeeded: 13, failed: 12 });
    assert.deepEqual(fake.finished, ['completed']);
    // Continued as new after every 7 started: runs of 7, 7, 7 and 4.
    await eventually('the continued runs in visibility', async () => {
      let runs = 0;
      for await (const run of client.workflow.list({ query: `WorkflowId = "${workflowId}" AND ExecutionStatus = "ContinuedAsNew"` })) runs += run ? 1 : 0;
      return runs === Math.ceil(ITEMS.length / 7) - 1;
    });
  });

  it('stops when the webhook is deactivated: the rest is not started, the recovery ends cancelled', async function () {
    fake = new FakeRecovery();
    fake.activeFor = 10;
    const { result } = await recover(100);
    assert.deepEqual(fake.started, ITEMS.slice(0, 10));
    assert.deepEqual([result.started, result.succeeded + result.failed], [10, 10]);
    assert.deepEqual(fake.finished, ['cancelled']);
  });
});
