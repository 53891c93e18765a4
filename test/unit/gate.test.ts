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
