import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Knex } from 'knex';
import { createDb } from '../../src/db/knex';
import { migrateToLatest } from '../../src/db/migrate';
import { newId } from '../../src/db/ids';
import { insertWebhook } from '../../src/db/repositories/webhooks';
import { OperationalEvents } from '../../src/events/operational';
import { beginAttempt, recordAttempt, type AttemptRecord, type GateSettings } from '../../src/gate/attempts';
import { halfOpen, resetCircuit } from '../../src/gate/circuit';
import { claimLeases, countLeases, expireLeases, giveBackLeases, type ClaimResult } from '../../src/gate/leases';
import { joinQueue } from '../../src/gate/queue';
import { createTestDatabase } from '../helpers/infra';
import { storeDelivery } from '../helpers/rows';
import { DELIVERIES, Model, step, THRESHOLD, type Lease, type Step } from '../helpers/gateModel';

// The gate's invariants (docs/permits.md, "Invariants"), checked against the real SQL after
// every step of random sequences of claims, attempts begun and recorded (some recorded again,
// as a re-run activity does), leases handed back twice, holders that die, leases that expire,
// PATCHes of the limit, resets, half-open timers (current and stale), deliveries asking again
// while they hold a lease (so a claim takes a spare) and bursts of concurrent claims and
// records. The model (test/helpers/gateModel.ts) restates the breaker's rule on its own, so a
// change of the rule in src/gate/ that breaks the promise fails here.

describe('the gate against its model (fast-check, real SQL)', function () {
  this.timeout(600_000);
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Knex;
  let gate: GateSettings;

  before(async function () {
    database = await createTestDatabase();
    db = createDb(database.url, 6);
    await migrateToLatest(db);
    await db('tenants').insert({ id: 'tenant_a' }).onConflict('id').ignore();
    const operational = new OperationalEvents({ db, startQueue: { enqueue() {} }, failureThreshold: THRESHOLD });
    gate = { failureThreshold: THRESHOLD, claim: { startTtlMs: 60_000 }, operational };
  });

  after(async function () {
    await db?.destroy();
    await database?.drop();
  });

  async function webhookWithDeliveries(count: number): Promise<{ webhookId: string; deliveryIds: string[] }> {
    const webhookId = newId('wh');
    await insertWebhook(db, {
      id: webhookId, tenant_id: 'tenant_a', url: 'https://example.test/hook', events: ['user.created'], name: 'model',
      description: null, active: true, secret_ciphertext: 'x', max_concurrency: 2,
    });
    const deliveryIds: string[] = [];
    for (let n = 0; n < count; n++) deliveryIds.push((await storeDelivery(db, { tenantId: 'tenant_a', webhookId, type: 'user.created', data: { n } })).deliveryId);
    return { webhookId, deliveryIds };
  }

  it('keeps leases within capacity, opens exactly at the threshold, closes only on a probe\'s 2xx or a reset, leaves no due row waiting with room, and ends every delivery', async function () {
    await fc.assert(fc.asyncProperty(fc.integer(DELIVERIES), fc.array(step, { minLength: 5, maxLength: 40 }), async (count, steps) => {
      const { webhookId, deliveryIds } = await webhookWithDeliveries(count);
      const model = new Model();
      const run = new Run(db, gate, webhookId, model);
      for (const s of steps) await run.apply(s);
      await run.drain(deliveryIds);
    }), { numRuns: Number(process.env.GATE_MODEL_RUNS ?? 200) });
  });
});

/** One sequence's interpreter: applies a step to Postgres and to the model, then checks the invariants. */
class Run {
  constructor(private readonly db: Knex, private readonly gate: GateSettings, private readonly webhookId: string, private readonly model: Model) {}

  async apply(s: Step): Promise<void> {
    const live = this.model.leases.filter((l) => !l.dead);
    const begun = live.filter((l) => l.attemptNumber !== null);
    const waiting = live.filter((l) => l.attemptNumber === null);
    const pick = <T>(list: T[], i: number): T | undefined => (list.length === 0 ? undefined : list[i % list.length]);
    let took = 0;
    const capacityBefore = this.model.capacity();
    if (s.t === 'claim') took = this.taken(await claimLeases(this.db, this.webhookId, this.gate.claim));
    if (s.t === 'burst') took = await this.burst(s.oks, begun);
    if (s.t === 'begin') await this.begin(pick(waiting, s.i));
    if (s.t === 'record') took = await this.record(pick(begun, s.i), s.ok);
    if (s.t === 'rerun') took = await this.rerun(pick(this.model.recorded, s.i));
    if (s.t === 'release') await this.release(pick(waiting, s.i));
    if (s.t === 'die') {
      const holder = pick(begun, s.i);
      if (holder) holder.dead = true; // its record never comes; its lease expires
    }
    if (s.t === 'expire') await this.expire(pick(this.model.leases, s.i));
    if (s.t === 'patch') {
      await this.db('webhooks').where({ id: this.webhookId }).update({ max_concurrency: s.limit });
      this.model.limit = s.limit;
    }
    if (s.t === 'reset') {
      took = this.taken((await resetCircuit(this.db, this.webhookId, this.gate)).leased);
      this.model.state = 'closed';
      this.model.failures = 0;
    }
    if (s.t === 'halfOpen') took = await this.halfOpen(s.stale);
    if (s.t === 'askAgain') took = await this.askAgain(pick(waiting, s.i));
    // A burst's claims run beside its record: one may commit before the record that opened the
    // circuit, so it is held to the capacity it could have seen, before the record or after.
    await this.check(took, s, s.t === 'burst' ? Math.max(capacityBefore, this.model.capacity()) : this.model.capacity());
  }

  private taken(claim: ClaimResult): number {
    for (const row of claim.rows) this.model.leases.push({ id: row.lease_id, deliveryId: row.id, probe: row.probe, attemptNumber: null, dead: false });
    return claim.rows.length;
  }

  /** An unexpired lease begins its attempt, unless its delivery ended (a spare): that sends nothing and goes back. */
  private async begin(lease: Lease | undefined): Promise<void> {
    if (!lease) return;
    const { status } = await this.db('deliveries').where({ id: lease.deliveryId }).first('status');
    const ctx = await beginAttempt(this.db, lease.deliveryId, lease.id, 60_000);
    if (['succeeded', 'dead_lettered', 'cancelled'].includes(status)) {
      assert.equal(ctx, undefined, `no attempt under a spare lease of a ${status} delivery`);
      await giveBackLeases(this.db, [lease.id], false);
      this.model.leases = this.model.leases.filter((l) => l !== lease);
      return;
    }
    assert.ok(ctx, 'an unexpired lease can begin its attempt');
    lease.attemptNumber = ctx.attempt_count;
  }

  /** As askForLease does: the row joins the queue and the webhook's free leases are taken. */
  private async askAgain(lease: Lease | undefined): Promise<number> {
    if (lease) await joinQueue(this.db, lease.deliveryId);
    return this.taken(await claimLeases(this.db, this.webhookId, this.gate.claim));
  }

  private async record(lease: Lease | undefined, ok: boolean): Promise<number> {
    if (!lease || lease.attemptNumber === null) return 0;
    const record: AttemptRecord = {
      deliveryId: lease.deliveryId, webhookId: this.webhookId, leaseId: lease.id, attemptNumber: lease.attemptNumber, startedAt: new Date(),
      durationMs: 1, statusCode: ok ? 200 : 500, errorMessage: ok ? null : 'HTTP 500', responseBody: null, trigger: 'scheduled', probe: lease.probe,
      newStatus: ok ? 'succeeded' : 'retrying', nextAttemptAt: null, outcome: ok ? 'success' : 'failure',
    };
    const before = (await this.db('deliveries').where({ id: lease.deliveryId }).first('status')).status;
    const recorded = await recordAttempt(this.db, record, this.gate);
    assert.equal(recorded.counted, true, 'a first record counts');
    const after = (await this.db('deliveries').where({ id: lease.deliveryId }).first('status')).status;
    if (['succeeded', 'dead_lettered', 'cancelled'].includes(before)) assert.equal(after, before, 'a final status stays');
    this.model.leases = this.model.leases.filter((l) => l !== lease);
    this.model.recorded.push(record);
    this.model.outcome(ok, lease.probe);
    const took = this.taken(recorded.leased);
    // Its retry (no wait here) joins the queue again, as its workflow does after the timer.
    if (!ok && after === 'retrying') await joinQueue(this.db, lease.deliveryId);
    return took;
  }

  private async rerun(record: AttemptRecord | undefined): Promise<number> {
    if (!record) return 0;
    const before = await this.db('webhooks').where({ id: this.webhookId }).first('circuit_state', 'circuit_failures');
    const again = await recordAttempt(this.db, record, this.gate);
    assert.equal(again.counted, false, 'a re-run attempt counts nothing');
    assert.deepEqual(await this.db('webhooks').where({ id: this.webhookId }).first('circuit_state', 'circuit_failures'), before);
    return this.taken(again.leased);
  }

  private async release(lease: Lease | undefined): Promise<void> {
    if (!lease) return;
    const before = await this.inFlight();
    await giveBackLeases(this.db, [lease.id], true);
    await giveBackLeases(this.db, [lease.id], true); // repeated: a no-op
    this.model.leases = this.model.leases.filter((l) => l !== lease);
    assert.equal(await this.inFlight(), before - 1, 'a lease given back twice frees one slot');
  }

  private async expire(lease: Lease | undefined): Promise<void> {
    // Only a lease nobody will use expires in the model: a live holder's attempt is bounded below its expiry.
    if (!lease || (lease.attemptNumber !== null && !lease.dead)) return;
    await this.db('gate_leases').where({ id: lease.id }).update({ expires_at: this.db.raw(`now() - interval '1 millisecond'`) });
    await expireLeases(this.db);
    this.model.leases = this.model.leases.filter((l) => l !== lease);
  }

  private async halfOpen(stale: boolean): Promise<number> {
    const row = await this.db('webhooks').where({ id: this.webhookId }).first('circuit_state', 'circuit_opened_at');
    if (row.circuit_state !== 'open') return 0;
    const openedAt = stale ? new Date(row.circuit_opened_at.getTime() - 1000) : row.circuit_opened_at;
    const took = this.taken((await halfOpen(this.db, this.webhookId, openedAt, this.gate)).leased);
    if (!stale) this.model.state = 'half_open';
    return took;
  }

  /**
   * Concurrent claims beside one record (which claims too): the row lock keeps them within
   * capacity. One record only, so the model applies outcomes in commit order.
   */
  private async burst(oks: boolean[], begun: Lease[]): Promise<number> {
    const counts = await Promise.all(oks.map(async (ok, n) => {
      if (n === 0 && begun[0]) return this.record(begun[0], ok);
      return this.taken(await claimLeases(this.db, this.webhookId, this.gate.claim));
    }));
    return counts.reduce((a, b) => a + b, 0);
  }

  private inFlight(): Promise<number> {
    return countLeases(this.db, this.webhookId);
  }

  private async check(took: number, s: Step, capacity: number): Promise<void> {
    const webhook = await this.db('webhooks').where({ id: this.webhookId }).first('circuit_state', 'circuit_failures');
    const at = JSON.stringify(s);
    assert.equal(webhook.circuit_state, this.model.state, `circuit after ${at}`);
    if (this.model.state === 'closed') assert.equal(webhook.circuit_failures, this.model.failures, `failures after ${at}`);
    const inFlight = await this.inFlight();
    assert.equal(inFlight, this.model.leases.length, `leases in Postgres as in the model after ${at}`);
    if (took > 0) assert.ok(inFlight <= capacity, `${inFlight} in flight within capacity ${capacity} after ${at}`);
    const waiting = await this.db('deliveries').where({ webhook_id: this.webhookId }).whereNotNull('permit_wanted_at')
      .whereNotIn('status', ['succeeded', 'dead_lettered', 'cancelled']).count<{ count: string }>('* as count').first();
    const claimed = s.t === 'claim' || s.t === 'askAgain' || s.t === 'reset' || (s.t === 'halfOpen' && took > 0);
    if (claimed && inFlight < this.model.capacity()) assert.equal(Number(waiting?.count), 0, `no due row waits with room after ${at}`);
  }

  /** Every delivery ends: the dead holders' leases expire, the circuit is reset, and every attempt succeeds. */
  async drain(deliveryIds: string[]): Promise<void> {
    for (let round = 0; round < 20; round++) {
      await this.db('gate_leases').where({ webhook_id: this.webhookId }).whereIn('id', this.model.leases.filter((l) => l.dead).map((l) => l.id))
        .update({ expires_at: this.db.raw(`now() - interval '1 millisecond'`) });
      await expireLeases(this.db);
      this.model.leases = this.model.leases.filter((l) => !l.dead);
      await this.apply({ t: 'reset' });
      await this.apply({ t: 'claim' });
      for (const lease of [...this.model.leases]) {
        if (lease.attemptNumber === null) await this.begin(lease);
        await this.record(lease, true);
      }
      const open = await this.db('deliveries').whereIn('id', deliveryIds).whereNot({ status: 'succeeded' }).count<{ count: string }>('* as count').first();
      if (Number(open?.count) === 0) return;
    }
    const left = await this.db('deliveries').whereIn('id', deliveryIds).whereNot({ status: 'succeeded' }).select('id', 'status', 'permit_wanted_at', 'attempt_count');
    const leases = await this.db('gate_leases').where({ webhook_id: this.webhookId });
    assert.fail(`every delivery ends: left ${JSON.stringify(left)}, leases ${JSON.stringify(leases)}, model ${JSON.stringify(this.model.leases)}`);
  }
}
