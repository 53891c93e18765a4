import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { msToTs, tsToMs } from '@temporalio/common/lib/time';
import pino from 'pino';
import { releaseLease, tryTakeLease } from '../../src/db/repositories/leases';
import { RetentionPass } from '../../src/maintenance/retention';
import { matchNamespaceRetention, MIN_NAMESPACE_RETENTION_MS } from '../../src/temporal/namespaceRetention';
import { getInfra } from '../helpers/infra';
import { Receiver } from '../helpers/receiver';
import { startTestSystem, useTestStack, type TestSystem } from '../helpers/system';
import { eventually } from '../helpers/wait';

const exec = promisify(execFile);
const CLI = path.resolve(__dirname, '../../src/cli/index.js');
// A held request stays in flight for the whole file: the attempt timeout is far away.
const RETENTION = { CONTINUUM_RETENTION: '2s', CONTINUUM_RETENTION_INTERVAL: '1h', CONTINUUM_RETENTION_BATCH: '3', CONTINUUM_DELIVERY_TIMEOUT: '2m' };

interface Row {
  id: string;
  status: string;
  completed_at: Date | null;
  event_id: string;
}

describe('retention', function () {
  let held: Receiver;
  let release: () => void;
  // Registered before the stack's hooks, so held requests are answered before the system stops.
  before(async function () {
    held = await new Receiver().start();
    release = held.hold();
  });
  after(async function () {
    release?.();
    await held?.stop();
  });
  const ctx = useTestStack(RETENTION);
  let stack: TestSystem;
  const db = () => stack.system.db;
  const pass = () => new RetentionPass({ db: db(), log: pino({ level: 'silent' }) }, stack.system.config.retention);
  before(function () {
    stack = ctx.stack;
  });

  async function webhook(url: string, events: string[]): Promise<string> {
    const created = await stack.api('POST', '/webhooks', { url, events, name: 'retention' });
    assert.equal(created.status, 201);
    return created.body.id;
  }

  async function publish(event: string, count = 1): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const published = await stack.api('POST', '/events', { event, data: { sync_id: 's', quota_type: 'q', user_id: 'u', session_id: 's', memory_id: 'm', concept: 'c', i } });
      assert.equal(published.status, 202, JSON.stringify(published.body));
      ids.push(published.body.id);
    }
    return ids;
  }

  /** Waits until the database's clock is past the retention for every finished delivery so far. */
  async function agePastRetention(): Promise<void> {
    await eventually('finished deliveries past the 2 s retention', async () => {
      const { rows } = await db().raw(`SELECT count(*)::int AS n FROM deliveries WHERE completed_at > now() - interval '2100 milliseconds'`);
      return rows[0].n === 0;
    });
  }

  const finished = (status: string) => ['succeeded', 'dead_lettered', 'cancelled'].includes(status);

  it('prunes exactly the finished deliveries, their attempts and the events left without any, past the retention; nothing open', async function () {
    const ok = await webhook(ctx.receiver.url, ['user.created']);
    const slow = await webhook(held.url, ['session.started']);
    const doomedReceiver = await new Receiver().start();
    const answerDoomed = doomedReceiver.hold();
    const doomed = await webhook(doomedReceiver.url, ['sync.completed']);
    await publish('user.created', 4);
    const [openEvent] = await publish('session.started');
    await publish('sync.completed', 2);
    const [lonelyEvent] = await publish('quota.warning'); // nobody subscribes: an event with no delivery
    await eventually('4 delivered, 3 held', async () => {
      const rows: Row[] = await db()('deliveries');
      return rows.filter((r) => r.status === 'succeeded').length === 4 && held.requests.length === 1 && doomedReceiver.requests.length === 2;
    });
    assert.equal((await stack.api('DELETE', `/webhooks/${doomed}`)).status, 204); // its 2 held deliveries are cancelled
    answerDoomed(); // their attempts end and are recorded; the deliveries stay cancelled
    await eventually('attempts of the cancelled deliveries recorded', async () =>
      (await db()('delivery_attempts as a').join('deliveries as d', 'd.id', 'a.delivery_id').where({ 'd.webhook_id': doomed })).length === 2);
    await doomedReceiver.stop();
    await agePastRetention();
    await publish('user.created', 2);
    await eventually('2 fresh deliveries', async () => (await db()('deliveries').where({ webhook_id: ok, status: 'succeeded' })).length === 6);

    const before: Row[] = await db()('deliveries');
    const attemptsBefore: Array<{ delivery_id: string }> = await db()('delivery_attempts').select('delivery_id');
    const eventsBefore: Array<{ id: string }> = await db()('events').select('id');
    const result = await pass().runOnce();
    assert.ok(result, 'the pass ran');

    const expected = before.filter((r) => finished(r.status) && (r.completed_at as Date) < result.cutoff);
    const kept = before.filter((r) => !expected.includes(r));
    assert.equal(expected.length, 6, '4 old successes and 2 cancelled');
    assert.deepEqual(kept.map((r) => (finished(r.status) ? r.status : 'open')).sort(), ['open', 'succeeded', 'succeeded'], 'the held one and the 2 fresh ones stay');
    const after: Row[] = await db()('deliveries');
    assert.deepEqual(after.map((r) => r.id).sort(), kept.map((r) => r.id).sort());
    const doomedIds = new Set(expected.map((r) => r.id));
    assert.deepEqual(result.pruned, {
      deliveries: 6,
      attempts: attemptsBefore.filter((a) => doomedIds.has(a.delivery_id)).length,
      events: 7, // 4 + 2 whose deliveries went, and the one nobody subscribed to
      recoveries: 0,
      portal_sessions: 0,
    });
    assert.equal(await count('delivery_attempts'), attemptsBefore.length - result.pruned.attempts);
    const eventsAfter = new Set((await db()('events').select('id')).map((e: { id: string }) => e.id));
    assert.equal(eventsAfter.size, eventsBefore.length - 7);
    assert.ok(eventsAfter.has(openEvent), 'an old event with an open delivery stays');
    assert.ok(!eventsAfter.has(lonelyEvent));
    assert.ok(kept.every((r) => eventsAfter.has(r.event_id)));

    // The API answers from what is left, consistently.
    const listed = (await stack.api('GET', `/webhooks/${ok}/deliveries`)).body;
    const stats = (await stack.api('GET', `/webhooks/${ok}/stats`)).body;
    assert.equal(listed.total, 2);
    assert.equal(stats.total_deliveries, 2);
    assert.equal(stats.successful_deliveries, 2);
    assert.equal(stats.success_rate, 100);
    assert.equal((await stack.api('GET', `/webhooks/${ok}/deliveries/${expected[0].id}`)).status, 404);
    assert.equal((await stack.api('GET', `/events/${lonelyEvent}`)).status, 404);
    assert.equal((await stack.api('GET', `/webhooks/${slow}/stats`)).body.total_deliveries, 1);
  });

  it('a pass does nothing while another process holds the lease, and runs once it is free', async function () {
    await publish('user.created');
    await agePastRetention();
    const finishedBefore = await count('deliveries', (q) => q.where({ status: 'succeeded' }));
    assert.ok(finishedBefore > 0);
    assert.ok(await tryTakeLease(db(), 'retention', 'another-process', 60_000));
    assert.equal(await pass().runOnce(), null);
    assert.equal(await count('deliveries', (q) => q.where({ status: 'succeeded' })), finishedBefore, 'nothing deleted');
    await releaseLease(db(), 'retention', 'another-process');
    const result = await pass().runOnce();
    assert.equal(result?.pruned.deliveries, finishedBefore);
  });

  it('the CLI counts with --dry-run without deleting, then prunes the same rows', async function () {
    await publish('user.created', 2);
    await eventually('delivered', async () => (await count('deliveries', (q) => q.where({ status: 'succeeded' }))) === 2);
    await agePastRetention();
    const env = { ...process.env, ...stack.env };
    const dry = (await exec(process.execPath, [CLI, 'prune', '--dry-run'], { env })).stdout.trim();
    assert.match(dry, /^Would prune history finished before \S+ \(CONTINUUM_RETENTION\): 2 deliveries, 2 attempts, 2 events, 0 recoveries, 0 portal sessions$/);
    assert.equal(await count('deliveries', (q) => q.where({ status: 'succeeded' })), 2, 'a dry run deletes nothing');
    const done = (await exec(process.execPath, [CLI, 'prune'], { env })).stdout.trim();
    assert.match(done, /^Pruned history finished before \S+: 2 deliveries, 2 attempts, 2 events, 0 recoveries, 0 portal sessions$/);
    assert.equal(await count('deliveries', (q) => q.where({ status: 'succeeded' })), 0);
  });

  it('prunes finished recoveries and ended portal sessions past the retention; a live session stays', async function () {
    const hook = await webhook(ctx.receiver.url, ['memory.deleted']);
    const recovery = await stack.api('POST', `/webhooks/${hook}/recover`, { since: new Date(Date.now() - 60_000).toISOString() });
    assert.equal(recovery.status, 202);
    const expired = (await stack.api('POST', '/portal/sessions', { ttl: '1s' })).body.id;
    const revoked = (await stack.api('POST', '/portal/sessions', {})).body.id;
    assert.equal((await stack.api('DELETE', `/portal/sessions/${revoked}`)).status, 204);
    const live = (await stack.api('POST', '/portal/sessions', { ttl: '1h' })).body.id;
    await eventually('the recovery ended and the sessions ended, past the 2 s retention', async () => {
      const { rows } = await db().raw(`SELECT
        (SELECT count(*) FROM recoveries WHERE completed_at < now() - interval '2100 milliseconds')::int AS recoveries,
        (SELECT count(*) FROM portal_sessions WHERE expires_at < now() - interval '2100 milliseconds'
           OR revoked_at < now() - interval '2100 milliseconds')::int AS sessions`);
      return rows[0].recoveries === 1 && rows[0].sessions === 2;
    });
    const result = await pass().runOnce();
    assert.deepEqual([result?.pruned.recoveries, result?.pruned.portal_sessions], [1, 2]);
    assert.equal(await count('recoveries'), 0);
    assert.deepEqual((await db()('portal_sessions').select('id')).map((r: { id: string }) => r.id), [live]);
    assert.ok(![expired, revoked].includes(live));
    assert.equal((await stack.api('GET', `/recoveries/${recovery.body.id}`)).status, 404);
  });

  it('the running system prunes by itself, every CONTINUUM_RETENTION_INTERVAL', async function () {
    await publish('user.created');
    await eventually('delivered', async () => (await count('deliveries', (q) => q.where({ status: 'succeeded' }))) === 1);
    const pruner = await startTestSystem(ctx.database.url, { ...stack.env, CONTINUUM_RETENTION_INTERVAL: '200ms', PORT: '0' }, ['api']);
    try {
      await eventually('pruned by the second process', async () => (await count('deliveries', (q) => q.where({ status: 'succeeded' }))) === 0);
      assert.equal(await count('deliveries', (q) => q.whereNotIn('status', ['succeeded', 'dead_lettered', 'cancelled'])), 1, 'the open delivery stays');
      const metrics = await (await fetch(`${pruner.system.apiUrl}/metrics`)).text();
      assert.match(metrics, /^continuum_pruned_rows_total\{table="deliveries"\} 1$/m);
      assert.match(metrics, /^continuum_pruned_rows_total\{table="events"\} 1$/m);
    } finally {
      await pruner.stop();
    }
  });

  it("sets the Temporal namespace's retention to ours, never under Temporal's one-day floor", async function () {
    const { temporalAddress } = getInfra();
    const namespace = `retention-${Date.now()}`;
    const connection = await Connection.connect({ address: temporalAddress });
    try {
      await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(86_400_000) });
      const retention = async () => tsToMs((await connection.workflowService.describeNamespace({ namespace })).config?.workflowExecutionRetentionTtl);
      assert.equal(await matchNamespaceRetention(temporalAddress, namespace, 30 * 86_400_000), 30 * 86_400_000);
      assert.equal(await retention(), 30 * 86_400_000);
      assert.equal(await matchNamespaceRetention(temporalAddress, namespace, 2000), MIN_NAMESPACE_RETENTION_MS);
      assert.equal(await retention(), MIN_NAMESPACE_RETENTION_MS);
    } finally {
      await connection.close();
    }
  });

  async function count(table: string, where: (q: any) => any = (q) => q): Promise<number> {
    const [{ n }] = await where(db()(table)).count('* as n');
    return Number(n);
  }
});
