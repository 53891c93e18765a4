import assert from 'node:assert/strict';
import { Gate, initialGateState } from '../../workflows/gate';

const config = { failureThreshold: 3, openDurationMs: 1000, leaseTimeoutMs: 5000 };
const req = (n: number, high = false) => ({ leaseId: `l${n}`, deliveryId: `d${n}`, high });

function gateWith(max: number) {
  return new Gate(initialGateState(max), config);
}

describe('gate: concurrency permits', function () {
  it('grants at most max_concurrency and more as permits come back', function () {
    const gate = gateWith(2);
    [1, 2, 3, 4].forEach((n) => gate.enqueue(req(n)));
    assert.deepEqual(gate.grant(0).map((l) => l.leaseId), ['l1', 'l2']);
    assert.deepEqual(gate.grant(0), []);
    gate.release('l1', 'success', 1);
    assert.deepEqual(gate.grant(1).map((l) => l.leaseId), ['l3']);
    assert.equal(gate.state.leases.length, 2);
  });

  it('admits at once only while nobody waits ahead, and repeats a held lease', function () {
    const gate = gateWith(2);
    assert.deepEqual(gate.admitNow([req(1), req(2), req(3)], 0).map((l) => l.leaseId), ['l1', 'l2']);
    assert.deepEqual(gate.state.queue, [], 'the one not admitted is not queued either');
    assert.deepEqual(gate.admitNow([req(1)], 1).map((l) => [l.leaseId, l.grantedAt]), [['l1', 0]], 'a repeated call gets its lease again');
    gate.release('l1', 'success', 2);
    gate.enqueue(req(4));
    assert.deepEqual(gate.admitNow([req(5)], 3), [], 'l4 waits ahead: no overtaking');
    assert.deepEqual(gate.grant(3).map((l) => l.leaseId), ['l4']);
    gate.release('l2', 'failure', 4);
    gate.release('l4', 'failure', 4);
    gate.admitNow([req(6)], 5);
    gate.release('l6', 'failure', 6);
    assert.equal(gate.state.circuit, 'open');
    assert.deepEqual(gate.admitNow([req(7)], 7), [], 'nothing is admitted while the circuit is open');
    assert.equal(gate.state.granted, 4);
  });

  it('ignores a repeated request and serves quota (high) requests first', function () {
    const gate = gateWith(1);
    gate.enqueue(req(1));
    gate.enqueue(req(1));
    gate.enqueue(req(2));
    gate.enqueue(req(3, true));
    assert.deepEqual(gate.state.queue.map((e) => e.leaseId), ['l3', 'l1', 'l2']);
  });

  it('reclaims a lease whose holder never released it', function () {
    const gate = gateWith(1);
    gate.enqueue(req(1));
    gate.enqueue(req(2));
    gate.grant(0);
    assert.deepEqual(gate.tick(4999), []);
    assert.deepEqual(gate.tick(5000).map((l) => l.leaseId), ['l1']);
    assert.deepEqual(gate.grant(5000).map((l) => l.leaseId), ['l2']);
  });

  it('a released queued request leaves the queue', function () {
    const gate = gateWith(1);
    gate.enqueue(req(1));
    gate.release('l1', 'none', 0);
    assert.equal(gate.state.queue.length, 0);
  });
});

describe('gate: circuit breaker', function () {
  function failN(gate: Gate, n: number, now = 0) {
    for (let i = 0; i < n; i++) {
      gate.enqueue(req(100 + i));
      const [lease] = gate.grant(now);
      gate.release(lease.leaseId, 'failure', now);
    }
  }

  it('opens after the threshold of consecutive failures; a success in between resets the count', function () {
    const gate = gateWith(5);
    failN(gate, 2);
    gate.enqueue(req(50));
    gate.release(gate.grant(0)[0].leaseId, 'success', 0);
    failN(gate, 2);
    assert.equal(gate.state.circuit, 'closed');
    failN(gate, 1, 10);
    assert.equal(gate.state.circuit, 'open');
    assert.equal(gate.state.halfOpenAt, 1010);
    assert.deepEqual(gate.takeTransitions(), ['open']);
  });

  it('grants nothing while open; then exactly one probe; success closes and drains', function () {
    const gate = gateWith(5);
    failN(gate, 3);
    [1, 2, 3].forEach((n) => gate.enqueue(req(n)));
    assert.deepEqual(gate.grant(500), []);
    assert.deepEqual(gate.takeCircuitNotices().map((r) => r.leaseId), ['l1', 'l2', 'l3']);
    assert.deepEqual(gate.takeCircuitNotices(), [], 'each waiting delivery is told once');
    gate.tick(1000);
    assert.equal(gate.state.circuit, 'half_open');
    const probe = gate.grant(1000);
    assert.deepEqual(probe.map((l) => [l.leaseId, l.probe]), [['l1', true]]);
    assert.deepEqual(gate.grant(1001), [], 'only one probe');
    gate.release('l1', 'success', 1100);
    assert.equal(gate.state.circuit, 'closed');
    assert.deepEqual(gate.grant(1100).map((l) => l.leaseId), ['l2', 'l3']);
  });

  it('a failed probe opens it again for another open duration', function () {
    const gate = gateWith(5);
    failN(gate, 3);
    gate.enqueue(req(1));
    gate.tick(1000);
    gate.release(gate.grant(1000)[0].leaseId, 'failure', 1200);
    assert.equal(gate.state.circuit, 'open');
    assert.equal(gate.state.halfOpenAt, 2200);
  });

  it('results of attempts granted before opening do not move an open circuit', function () {
    const gate = gateWith(5);
    [1, 2].forEach((n) => gate.enqueue(req(n)));
    const [a, b] = gate.grant(0);
    failN(gate, 3);
    gate.release(a.leaseId, 'success', 1);
    gate.release(b.leaseId, 'failure', 1);
    assert.equal(gate.state.circuit, 'open');
    assert.equal(gate.state.halfOpenAt, 1000);
  });

  it('reset closes it at once', function () {
    const gate = gateWith(5);
    failN(gate, 3);
    gate.enqueue(req(1));
    gate.reset();
    assert.equal(gate.state.circuit, 'closed');
    assert.equal(gate.state.consecutiveFailures, 0);
    assert.deepEqual(gate.grant(1).map((l) => l.leaseId), ['l1']);
  });
});

describe('gate: rate limit', function () {
  function limited(max: number, perSecond: number | null) {
    return new Gate(initialGateState(max, perSecond), config);
  }
  const ids = (leases: { leaseId: string }[]) => leases.map((l) => l.leaseId);

  it('grants a burst of one second of tokens, then one per token; wakes when the next is due', function () {
    const gate = limited(10, 2);
    [1, 2, 3, 4, 5].forEach((n) => gate.enqueue(req(n)));
    assert.deepEqual(ids(gate.grant(0)), ['l1', 'l2'], 'two permits free of ten, but two tokens');
    assert.deepEqual(gate.grant(100), []);
    assert.equal(gate.rateWakeAt(100), 500);
    assert.deepEqual(ids(gate.grant(500)), ['l3']);
    assert.deepEqual(ids(gate.grant(1000)), ['l4']);
    assert.equal(gate.takeRateDelayed(), 2, 'l3 and l4 were held back by the rate limit');
    assert.equal(gate.takeRateDelayed(), 0, 'counted once');
    assert.deepEqual(ids(gate.grant(5000)), ['l5'], 'after a long wait, whatever accrued (capped) goes at once');
    assert.equal(gate.rateWakeAt(5000), null, 'nothing waits');
  });

  it('max_concurrency still applies, and a full gate waits for a release rather than for a token', function () {
    const gate = limited(1, 100);
    [1, 2].forEach((n) => gate.enqueue(req(n)));
    assert.deepEqual(ids(gate.grant(0)), ['l1']);
    assert.equal(gate.rateWakeAt(0), null, 'held by max_concurrency: the release wakes it');
    gate.release('l1', 'success', 1);
    assert.deepEqual(ids(gate.grant(1)), ['l2']);
  });

  it('admits at once only with a token, and the admitted take theirs', function () {
    const gate = limited(10, 2);
    assert.deepEqual(ids(gate.admitNow([req(1), req(2), req(3)], 0)), ['l1', 'l2']);
    gate.enqueue(req(3));
    assert.deepEqual(gate.grant(0), [], 'the bucket is empty');
    assert.deepEqual(ids(gate.grant(500)), ['l3']);
  });

  it('a half-open probe needs a token too; an open circuit is not woken by tokens', function () {
    const gate = limited(5, 1);
    for (let i = 0; i < 3; i++) {
      gate.enqueue(req(100 + i));
      const [lease] = gate.grant(i * 1000);
      gate.release(lease.leaseId, 'failure', i * 1000);
    }
    assert.equal(gate.state.circuit, 'open');
    gate.enqueue(req(1));
    assert.equal(gate.rateWakeAt(2000), null);
    gate.tick(3000);
    gate.grant(3000);
    assert.deepEqual(ids(gate.state.leases), ['l1'], 'the probe, with the token accrued since');
    assert.equal(gate.state.leases[0].probe, true);
  });

  it('a new limit applies at once; removing it frees the queue up to max_concurrency', function () {
    const gate = limited(3, null);
    [1, 2, 3, 4].forEach((n) => gate.enqueue(req(n)));
    gate.setRateLimit(1, 0);
    assert.deepEqual(ids(gate.grant(0)), ['l1'], 'a first limit starts with a full bucket of one');
    gate.setRateLimit(null, 10);
    assert.equal(gate.rateWakeAt(10), null);
    assert.deepEqual(ids(gate.grant(10)), ['l2', 'l3'], 'then max_concurrency (3) is the only bound');
  });

  it('carries its bucket across continue-as-new (a JSON round trip), and older states have no limit', function () {
    const gate = limited(10, 4);
    [1, 2, 3, 4, 5, 6].forEach((n) => gate.enqueue(req(n)));
    gate.grant(0);
    const next = new Gate(JSON.parse(JSON.stringify(gate.state)), config);
    assert.deepEqual(next.grant(100), [], 'the tokens spent before are still spent');
    assert.deepEqual(ids(next.grant(250)), ['l5']);
    const older = initialGateState(10);
    delete older.rate; // as in runs started before rate limits existed
    const unlimited = new Gate(older, config);
    [1, 2, 3].forEach((n) => unlimited.enqueue(req(n)));
    assert.equal(unlimited.grant(0).length, 3);
  });
});
