import assert from 'node:assert/strict';
import { Gate, initialGateState } from '../../workflows/permits/gate';

const config = { failureThreshold: 3, openDurationMs: 1000, leaseTimeoutMs: 5000 };

function gateWith(max: number, rate: number | null = null) {
  return new Gate(initialGateState(max, rate), config);
}

/** Lends as many leases as the room allows now, named from `from`. */
function lendRoom(gate: Gate, now: number, from: number): string[] {
  const room = gate.room(now);
  return Array.from({ length: room.count }, (_, i) => gate.lend(`d${from + i}`, `l${from + i}`, now, room.probe).leaseId);
}

describe('gate (permits/gate.ts): the one home of concurrency, circuit and rate', function () {
  it('lets out at most max_concurrency, and more as permits come back', function () {
    const gate = gateWith(2);
    assert.deepEqual(lendRoom(gate, 0, 1), ['l1', 'l2']);
    assert.equal(gate.room(0).count, 0);
    gate.release('l1', 'success', 1);
    gate.release('l1', 'success', 1); // a repeated release changes nothing
    gate.release('unknown', 'failure', 1); // nor does one of a lease it never granted
    assert.deepEqual(gate.room(1), { count: 1, probe: false, rateBound: false });
    assert.equal(gate.state.consecutiveFailures, 0);
  });

  it('opens after the threshold of consecutive failures, lets out nothing while open, one probe when half-open', function () {
    const gate = gateWith(5);
    lendRoom(gate, 0, 1);
    ['l1', 'l2'].forEach((l) => gate.release(l, 'failure', 1));
    gate.release('l3', 'success', 1);
    assert.equal(gate.state.consecutiveFailures, 0, 'a success in between resets the count');
    ['l4', 'l5'].forEach((l) => gate.release(l, 'failure', 2));
    lendRoom(gate, 2, 6);
    gate.release('l6', 'failure', 3);
    assert.deepEqual([gate.state.circuit, gate.state.halfOpenAt, gate.room(3).count], ['open', 1003, 0]);
    gate.release('l7', 'failure', 4);
    assert.equal(gate.state.openedAt, 3, 'results of attempts granted before it opened do not move it');
    gate.tick(1003);
    assert.deepEqual(gate.room(1003), { count: 1, probe: true, rateBound: false });
    assert.deepEqual(lendRoom(gate, 1003, 20), ['l20']);
    assert.equal(gate.room(1003).count, 0, 'exactly one probe');
    gate.release('l20', 'failure', 1004);
    assert.deepEqual([gate.state.circuit, gate.state.openedAt], ['open', 1004], 'a failed probe opens it again');
    gate.tick(2004);
    lendRoom(gate, 2004, 30);
    gate.release('l30', 'success', 2005);
    assert.deepEqual([gate.state.circuit, gate.state.consecutiveFailures, gate.takeTransitions()], ['closed', 0, ['open', 'half_open', 'open', 'half_open', 'closed']]);
  });

  it('reclaims a lease whose holder vanished, and a lost probe opens the circuit again', function () {
    const gate = gateWith(2);
    lendRoom(gate, 0, 1);
    assert.equal(gate.nextLeaseExpiry(), 5000);
    assert.deepEqual(gate.tick(5000).map((l) => l.leaseId), ['l1', 'l2']);
    assert.equal(gate.room(5000).count, 2);
    const open = new Gate({ ...initialGateState(2), circuit: 'half_open', openedAt: 0, halfOpenAt: 0 }, config);
    lendRoom(open, 0, 9);
    open.tick(5000);
    assert.equal(open.state.circuit, 'open');
  });

  it('rate limit: each permit takes a token; the room is bound by tokens and says so', function () {
    const gate = gateWith(10, 2);
    assert.deepEqual(gate.room(0), { count: 2, probe: false, rateBound: true });
    lendRoom(gate, 0, 1);
    assert.equal(gate.room(0).count, 0);
    assert.equal(gate.rateWakeAt(0), 500, 'rows may wait (backlog): wake when the next token is there');
    assert.equal(gate.room(500).count, 1);
    gate.setRateLimit(null, 600);
    assert.deepEqual(gate.room(600), { count: 8, probe: false, rateBound: false });
  });

  it('is idle only with nothing in flight, nothing known to wait, circuit closed and no failures counted', function () {
    const gate = gateWith(2);
    assert.equal(gate.idle(), false, 'a new gate looks at its queue first (backlog unknown)');
    gate.state.backlog = false;
    assert.equal(gate.idle(), true);
    lendRoom(gate, 0, 1);
    assert.equal(gate.idle(), false);
    gate.release('l1', 'failure', 1);
    gate.release('l2', 'success', 1);
    assert.equal(gate.idle(), true);
    gate.enqueue({ leaseId: 'old', deliveryId: 'd9', high: false });
    assert.equal(gate.idle(), false, 'a request by message (previous release) waits');
  });

  it('grants requests queued by message (previous release) before the rows, quota first, within the room', function () {
    const gate = gateWith(2);
    gate.enqueue({ leaseId: 'a', deliveryId: 'd1', high: false });
    gate.enqueue({ leaseId: 'b', deliveryId: 'd2', high: true });
    gate.enqueue({ leaseId: 'a', deliveryId: 'd1', high: false });
    gate.enqueue({ leaseId: 'c', deliveryId: 'd3', high: false });
    assert.deepEqual(gate.grantQueued(0).map((l) => l.leaseId), ['b', 'a']);
    assert.equal(gate.room(0).count, 0);
    gate.release('c', 'none', 1);
    assert.deepEqual(gate.state.queue, [], 'a queued request given up leaves the queue');
  });

  it('records a fresh start\'s circuit when the mirror in Postgres says otherwise', function () {
    const gate = gateWith(1);
    gate.correctMirror('closed');
    assert.deepEqual(gate.takeTransitions(), []);
    gate.correctMirror('open');
    assert.deepEqual(gate.takeTransitions(), ['closed']);
  });
});

describe('gate: blocks of permits lent to a worker', function () {
  it('lends only when healthy, and a block counts whole against the room', function () {
    const gate = gateWith(4);
    assert.ok(gate.canLend());
    gate.lendBlock('b1', 3, 0, 1000);
    assert.deepEqual([gate.held(), gate.room(0).count], [3, 1]);
    assert.ok(!gateWith(4, 5).canLend(), 'not with a rate limit');
    gate.lend('d9', 'l9', 0, false);
    gate.release('l9', 'failure', 1);
    assert.ok(!gate.canLend(), 'not with a failure counted');
    assert.ok(!gate.idle(), 'not idle while a block is out');
  });

  it('a block back: outcomes in order, its deliveries still in flight become leases', function () {
    const gate = gateWith(4);
    gate.lendBlock('b1', 4, 0, 1000);
    gate.returnBlock({ blockId: 'b1', outcomes: ['success', 'failure'], waiting: false, inFlight: [{ deliveryId: 'd2', leaseId: 'd2@b1.3', grantedAt: 5 }] }, 10);
    assert.deepEqual([gate.state.consecutiveFailures, gate.held(), gate.room(10).count], [1, 1, 3]);
    gate.release('d2@b1.3', 'failure', 11);
    assert.deepEqual([gate.state.consecutiveFailures, gate.held()], [2, 0]);
  });

  it('a block delivery released through another process frees its permit at once and is not adopted again', function () {
    const gate = gateWith(4);
    gate.lendBlock('run:1', 4, 0, 1000);
    gate.release('d1@run:1.2', 'failure', 1);
    assert.deepEqual([gate.room(1).count, gate.state.consecutiveFailures], [1, 1], 'the block shrank by one; the outcome counted');
    gate.release('unknown', 'failure', 1);
    assert.equal(gate.state.consecutiveFailures, 1, 'a lease of no block counts only when lent (a repeated batch)');
    gate.returnBlock({ blockId: 'run:1', outcomes: [], waiting: false, inFlight: [{ deliveryId: 'd1', leaseId: 'd1@run:1.2', grantedAt: 0 }] }, 2);
    assert.equal(gate.held(), 0, 'the lease listed in flight was released already');
  });

  it('reclaims a block whose worker vanished, lease timeout after its end', function () {
    const gate = gateWith(2);
    gate.lendBlock('b1', 2, 0, 1000);
    assert.equal(gate.nextLeaseExpiry(), 1000 + config.leaseTimeoutMs);
    gate.tick(1000 + config.leaseTimeoutMs - 1);
    assert.equal(gate.held(), 2);
    gate.tick(1000 + config.leaseTimeoutMs);
    assert.deepEqual([gate.held(), gate.room(6000).count], [0, 2]);
  });
});
