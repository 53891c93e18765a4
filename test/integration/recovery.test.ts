import { EVENT_CATALOGUE } from '../../src/events/dataSchemas';
import type { EventType } from '../../src/events/catalogue';
import assert from 'node:assert/strict';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { collectHistories, continuedAsNewInput, replay, saveFixtures } from '../helpers/histories';
import { getInfra } from '../helpers/infra';
import { Receiver } from '../helpers/receiver';
import { storeDelivery } from '../helpers/rows';
import { useTestStack, type TestSystem } from '../helpers/system';
import { eventually } from '../helpers/wait';

const OUTAGE = 200;
const MAX_CONCURRENCY = 4;
const ITEMS_PER_RUN = 60;

describe('bulk recovery: one call recovers an outage, paced by the endpoint', function () {
  // One retry 10 ms apart: a failing delivery is dead-lettered after two attempts. The circuit
  // stays out of the way (its own tests are elsewhere); 60 deliveries per recovery run.
  const ctx = useTestStack({
    CONTINUUM_RETRY_SCHEDULE: '10ms', CONTINUUM_CIRCUIT_FAILURE_THRESHOLD: '100000', CONTINUUM_RECOVERY_ITEMS_PER_RUN: String(ITEMS_PER_RUN),
  });
  let stack: TestSystem;
  const receivers: Receiver[] = [];
  before(function () {
    ({ stack } = ctx);
  });
  after(async function () {
    await Promise.all(receivers.map((r) => r.stop()));
  });

  async function webhookWithReceiver(event: string, maxConcurrency = MAX_CONCURRENCY) {
    const receiver = await new Receiver().start();
    receivers.push(receiver);
    const created = await stack.api('POST', '/webhooks', { url: receiver.url, events: [event], name: event, max_concurrency: maxConcurrency });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return { receiver, webhookId: created.body.id as string };
  }

  async function publishDeadLettered(event: EventType, count: number, data: Record<string, unknown> = EVENT_CATALOGUE[event].example): Promise<string[]> {
    const responses = await Promise.all(Array.from({ length: count }, () => stack.api('POST', '/events', { event, data })));
    const ids = responses.map((r) => {
      assert.equal(r.status, 202, JSON.stringify(r.body));
      return r.body.delivery_ids[0] as string;
    });
    await eventually(`${count} dead-lettered`, async () => {
      const rows = await stack.system.db('deliveries').whereIn('id', ids).where({ status: 'dead_lettered' }).count<{ n: string }[]>('* as n');
      return Number(rows[0].n) === count;
    }, 300_000);
    return ids;
  }

  const recovery = async (id: string) => (await stack.api('GET', `/recoveries/${id}`)).body;
  const waitUntilDone = (id: string) => eventually(`recovery ${id} done`, async () => {
    const body = await recovery(id);
    return body.status !== 'running' && body;
  }, 300_000);

  it(`recovers ${OUTAGE} dead-lettered deliveries: one more attempt each, never more than max_concurrency in flight, exact counts`, async function () {
    const { receiver, webhookId } = await webhookWithReceiver('sync.failed');
    receiver.respond = () => ({ status: 503, body: 'down' });
    const since = new Date(Date.now() - 1000).toISOString();
    const ids = await publishDeadLettered('sync.failed', OUTAGE);
    assert.equal(receiver.requests.length, OUTAGE * 2);

    // The receiver is fixed; it answers slowly enough for recovery deliveries to overlap.
    receiver.respond = () => ({ status: 200, body: 'ok', delayMs: 150 });
    receiver.maxInFlight = 0;
    const started = await stack.api('POST', `/webhooks/${webhookId}/recover`, { since });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    assert.deepEqual(Object.keys(started.body).sort(), ['id', 'matched', 'status']);
    assert.match(started.body.id, /^rec_[0-9a-z]{26}$/);
    assert.equal(started.body.matched, OUTAGE);
    assert.equal(started.body.status, 'running');

    const done = await waitUntilDone(started.body.id);
    assert.deepEqual(
      { status: done.status, matched: done.matched, started: done.started, succeeded: done.succeeded, failed: done.failed },
      { status: 'completed', matched: OUTAGE, started: OUTAGE, succeeded: OUTAGE, failed: 0 },
    );
    assert.equal(done.webhook_id, webhookId);
    assert.deepEqual(done.statuses, ['dead_lettered']);
    assert.equal(done.since, since);
    assert.ok(done.completed_at && done.until);

    // Exactly one more attempt per delivery, with trigger recovery, and it succeeded.
    assert.equal(receiver.requests.length, OUTAGE * 3);
    const recovered = receiver.requests.slice(OUTAGE * 2).map((r) => r.headers['x-continuum-delivery']);
    assert.deepEqual([...new Set(recovered)].sort(), [...ids].sort());
    const attempts = await stack.system.db('delivery_attempts').whereIn('delivery_id', ids).where({ attempt_number: 3 }).select('trigger', 'status_code');
    assert.equal(attempts.length, OUTAGE);
    assert.ok(attempts.every((a) => a.trigger === 'recovery' && a.status_code === 200));
    assert.equal(Number((await stack.system.db('delivery_attempts').whereIn('delivery_id', ids).count<{ n: string }[]>('* as n'))[0].n), OUTAGE * 3);
    const statuses = await stack.system.db('deliveries').whereIn('id', ids).distinct('status', 'attempt_count');
    assert.deepEqual(statuses, [{ status: 'succeeded', attempt_count: 3 }]);

    // Paced: never more than max_concurrency at the receiver, and not one at a time either.
    assert.ok(receiver.maxInFlight <= MAX_CONCURRENCY, `at most ${MAX_CONCURRENCY} in flight, saw ${receiver.maxInFlight}`);
    assert.ok(receiver.maxInFlight >= 2, `recovery deliveries overlapped (saw ${receiver.maxInFlight})`);

    // One workflow, searchable by WebhookId, that continued as new every 60 deliveries: 4 runs.
    const connection = await Connection.connect({ address: getInfra().temporalAddress });
    try {
      const client = new Client({ connection });
      const runs = await eventually('the recovery runs in visibility', async () => {
        const found = [];
        for await (const run of client.workflow.list({ query: `WebhookId = "${webhookId}" AND WorkflowType = "recoveryWorkflow"` })) found.push(run);
        return found.length === Math.ceil(OUTAGE / ITEMS_PER_RUN) && found.every((run) => run.status.name !== 'RUNNING') && found;
      });
      assert.ok(runs.every((run) => run.workflowId === `recover:${started.body.id}`));
      assert.equal(runs.filter((run) => run.status.name === 'CONTINUED_AS_NEW').length, Math.ceil(OUTAGE / ITEMS_PER_RUN) - 1);
    } finally {
      await connection.close();
    }
    // Each run carried its progress on; the histories replay with today's code.
    const histories = (await collectHistories([webhookId])).filter((h) => h.workflowId.startsWith('recover:'));
    const carried = histories.map((h) => continuedAsNewInput(h.history)?.progress).filter(Boolean).map((p) => p.started).sort((a, b) => a - b);
    assert.deepEqual(carried, [ITEMS_PER_RUN, 2 * ITEMS_PER_RUN, 3 * ITEMS_PER_RUN]);
    await replay(histories);
    // The fixture keeps two runs (one continued as new, the last, which started from carried progress): enough to replay, small to keep.
    const lastRun = histories.filter((h) => continuedAsNewInput(h.history) === null);
    await saveFixtures('recovery', [histories.find((h) => continuedAsNewInput(h.history) !== null)!, ...lastRun]);

    // The metrics count it.
    const metrics = await (await fetch(`${stack.system.apiUrl}/metrics`)).text();
    assert.match(metrics, /^continuum_recoveries_started_total [1-9]/m);
    assert.match(metrics, /^continuum_recoveries_finished_total\{status="completed"\} [1-9]/m);
    assert.match(metrics, new RegExp(`^continuum_recovery_deliveries_total\\{outcome="succeeded"\\} ${OUTAGE}$`, 'm'));
  });

  it('an overlapping recover while one runs is a 409 naming it; a window apart is accepted', async function () {
    const { receiver, webhookId } = await webhookWithReceiver('user.created');
    receiver.respond = () => ({ status: 500 });
    const t0 = Date.now() - 1000;
    await publishDeadLettered('user.created', 3);
    const release = receiver.hold();

    const first = await stack.api('POST', `/webhooks/${webhookId}/recover`, { since: new Date(t0).toISOString() });
    assert.equal(first.status, 202, JSON.stringify(first.body));
    assert.equal(first.body.matched, 3);
    await receiver.waitForRequests(3 * 2 + 1);

    const overlapping = await stack.api('POST', `/webhooks/${webhookId}/recover`, { since: new Date(t0 - 3_600_000).toISOString(), until: new Date(t0 + 1).toISOString() });
    assert.equal(overlapping.status, 409, JSON.stringify(overlapping.body));
    assert.equal(overlapping.body.error.code, 'conflict');
    assert.equal(overlapping.body.error.details.recovery_id, first.body.id);
    assert.equal(Number((await stack.system.db('recoveries').where({ webhook_id: webhookId }).count<{ n: string }[]>('* as n'))[0].n), 1);

    const apart = await stack.api('POST', `/webhooks/${webhookId}/recover`, { since: new Date(t0 - 7_200_000).toISOString(), until: new Date(t0).toISOString() });
    assert.equal(apart.status, 202, JSON.stringify(apart.body));
    assert.equal(apart.body.matched, 0);
    assert.equal((await waitUntilDone(apart.body.id)).status, 'completed');

    release();
    const done = await waitUntilDone(first.body.id);
    assert.deepEqual([done.status, done.started, done.succeeded, done.failed], ['completed', 3, 3, 0]);
    // Finished, it no longer blocks the same window.
    const again = await stack.api('POST', `/webhooks/${webhookId}/recover`, { since: new Date(t0).toISOString(), statuses: ['succeeded'] });
    assert.equal(again.status, 202, JSON.stringify(again.body));
    assert.equal(again.body.matched, 3);
    await waitUntilDone(again.body.id);
  });

  it('recovers deliveries older than the delivery age limit, only in the statuses asked for', async function () {
    const { receiver, webhookId } = await webhookWithReceiver('session.started');
    const db = stack.system.db;
    const daysAgo = (days: number) => new Date(Date.now() - days * 24 * 3_600_000);
    const rows = [];
    for (const [status, days] of [['dead_lettered', 4], ['cancelled', 3], ['succeeded', 3], ['dead_lettered', 9]] as const) {
      const { deliveryId } = await storeDelivery(db, { tenantId: 'tenant_a', webhookId, type: 'session.started', data: {}, createdAt: daysAgo(days) });
      await db('deliveries').where({ id: deliveryId }).update({ status, workflow_started_at: daysAgo(days), completed_at: daysAgo(days) });
      rows.push(deliveryId);
    }
    const started = await stack.api('POST', `/webhooks/${webhookId}/recover`, {
      since: daysAgo(5).toISOString(), until: daysAgo(2).toISOString(), statuses: ['dead_lettered', 'cancelled'],
    });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    assert.equal(started.body.matched, 2);
    const done = await waitUntilDone(started.body.id);
    assert.deepEqual([done.status, done.started, done.succeeded, done.failed], ['completed', 2, 2, 0]);
    // Attempted (the 72 h age counts from the recovery), not expired at once.
    assert.deepEqual(receiver.requests.map((r) => r.headers['x-continuum-delivery']).sort(), rows.slice(0, 2).sort());
    const after = await db('deliveries').whereIn('id', rows).orderBy('created_at', 'desc').select('id', 'status');
    assert.deepEqual(after.map((r) => r.status), ['succeeded', 'succeeded', 'succeeded', 'dead_lettered']);
  });

  it('stops, cancelled, when its webhook is deactivated; the rest is not attempted', async function () {
    const { receiver, webhookId } = await webhookWithReceiver('session.ended', 2);
    receiver.respond = () => ({ status: 500 });
    const since = new Date(Date.now() - 1000).toISOString();
    await publishDeadLettered('session.ended', 6);
    const release = receiver.hold();
    const started = await stack.api('POST', `/webhooks/${webhookId}/recover`, { since });
    assert.equal(started.body.matched, 6);
    await receiver.waitForRequests(6 * 2 + 2);
    assert.equal((await stack.api('PATCH', `/webhooks/${webhookId}`, { active: false })).status, 200);
    const done = await waitUntilDone(started.body.id);
    release();
    assert.deepEqual([done.status, done.matched, done.started, done.succeeded, done.failed], ['cancelled', 6, 2, 0, 2]);
    assert.ok(done.completed_at);
    assert.equal(receiver.requests.length, 6 * 2 + 2);
  });

  /**
   * A running recovery of 2 dead-lettered deliveries whose re-attempts the receiver holds, its
   * workflow then stopped by an operator (`stop`, on its handle), as from the Web UI.
   */
  async function recoveryStoppedByOperator(event: EventType, data: Record<string, unknown>, stop: (handle: WorkflowHandle) => Promise<unknown>) {
    const { receiver, webhookId } = await webhookWithReceiver(event);
    receiver.respond = () => ({ status: 500 });
    const since = new Date(Date.now() - 1000).toISOString();
    await publishDeadLettered(event, 2, data);
    const release = receiver.hold();
    const started = await stack.api('POST', `/webhooks/${webhookId}/recover`, { since });
    await receiver.waitForRequests(2 * 2 + 1);
    const connection = await Connection.connect({ address: getInfra().temporalAddress });
    try {
      await stop(new Client({ connection }).workflow.getHandle(`recover:${started.body.id}`));
    } finally {
      await connection.close();
    }
    return { webhookId, since, release, recoveryId: started.body.id as string };
  }

  it("an operator's cancel of the workflow ends it cancelled, freeing its window", async function () {
    const { webhookId, since, release, recoveryId } = await recoveryStoppedByOperator('concept.discovered', { concept: 'recovery' }, (h) => h.cancel());
    assert.equal((await waitUntilDone(recoveryId)).status, 'cancelled');
    release();
    const again = await stack.api('POST', `/webhooks/${webhookId}/recover`, { since });
    assert.equal(again.status, 202, JSON.stringify(again.body));
    await waitUntilDone(again.body.id);
  });

  it("an operator's terminate frees its window too: the next overlapping recover ends the orphaned row", async function () {
    const { webhookId, since, release, recoveryId } = await recoveryStoppedByOperator('memory.deleted', { memory_id: 'terminated' }, (h) => h.terminate('operator'));
    assert.equal((await stack.api('GET', `/recoveries/${recoveryId}`)).body.status, 'running', 'a terminated workflow records nothing');
    release();
    const again = await stack.api('POST', `/webhooks/${webhookId}/recover`, { since });
    assert.equal(again.status, 202, JSON.stringify(again.body));
    const orphan = (await stack.api('GET', `/recoveries/${recoveryId}`)).body;
    assert.equal(orphan.status, 'cancelled');
    assert.ok(orphan.completed_at);
    await waitUntilDone(again.body.id);
  });
});
