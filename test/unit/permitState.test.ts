import assert from 'node:assert/strict';
import { DeliveryPermit } from '../../workflows/legacy/permitState';

const grantFor = (leaseId: string) => ({ leaseId, probe: false });

describe('delivery permit state', function () {
  it('takes its first lease from the starter and does not send it again', function () {
    const permit = new DeliveryPermit('run', { firstLeaseId: 'starter-1' });
    assert.equal(permit.requested, 'starter-1');
    assert.deepEqual(permit.next(), { leaseId: 'starter-1', send: false });
    assert.equal(permit.wake(), null, 'asked, nothing received yet');
  });

  it('holds the starter\'s grant from the start, ahead of any request', function () {
    const permit = new DeliveryPermit('run', { firstLeaseId: 'ignored', firstGrant: grantFor('granted-1') });
    assert.equal(permit.requested, 'granted-1', 'the grant names the lease');
    assert.deepEqual(permit.next(), { leaseId: 'granted-1', send: false });
    assert.equal(permit.takeWake(), 'granted');
  });

  it('asks for a new lease of its own for every later attempt, with nothing carried over', function () {
    const permit = new DeliveryPermit('run', { firstGrant: grantFor('granted-1') });
    permit.next();
    permit.done();
    assert.equal(permit.requested, null, 'nothing asked for between attempts');
    assert.deepEqual(permit.next(), { leaseId: 'run:2', send: true });
    assert.equal(permit.wake(), null, 'the first attempt\'s grant is not this lease\'s');
    permit.done();
    assert.deepEqual(permit.next(), { leaseId: 'run:3', send: true });
  });

  it('asks for every lease itself when the starter asked for none', function () {
    const permit = new DeliveryPermit('run', {});
    assert.equal(permit.requested, null);
    assert.deepEqual(permit.next(), { leaseId: 'run:1', send: true });
  });

  it('keeps a grant for the current lease and gives back a stale one', function () {
    const permit = new DeliveryPermit('run', {});
    const { leaseId } = permit.next();
    assert.equal(permit.received(grantFor('run:0')), 'run:0', 'a grant for another lease is given back');
    assert.equal(permit.wake(), null, 'and does not wake the wait');
    assert.equal(permit.received(grantFor(leaseId)), null);
    assert.equal(permit.takeWake(), 'granted');
    permit.done();
    assert.equal(permit.received(grantFor(leaseId)), leaseId, 'after the attempt, a repeat of it is stale too');
  });

  it('waits for the circuit only when told so for the current lease, and shows it once per attempt', function () {
    const permit = new DeliveryPermit('run', { firstLeaseId: 'starter-1' });
    permit.next();
    permit.circuitHolds('other');
    assert.equal(permit.waitsForCircuit, false);
    assert.equal(permit.wake(), null);
    permit.circuitHolds('starter-1');
    assert.equal(permit.waitsForCircuit, true);
    assert.equal(permit.takeWake(), 'circuit');
    assert.equal(permit.wake(), null, 'shown once');
    assert.equal(permit.waitsForCircuit, true, 'still bounded by the maximum age');
    permit.done();
    permit.next();
    assert.equal(permit.waitsForCircuit, false, 'a new lease starts outside the circuit');
    permit.circuitHolds('run:2');
    assert.equal(permit.takeWake(), 'circuit', 'and is shown again when held');
  });

  it('asks again once when told, and not when its request was sent after', function () {
    const permit = new DeliveryPermit('run', {});
    permit.next();
    permit.sent();
    permit.askAgain();
    assert.equal(permit.takeWake(), 'askAgain');
    assert.equal(permit.wake(), null, 'answered once');
    permit.askAgain();
    permit.sent();
    assert.equal(permit.wake(), null, 'a request sent since answers it');
  });

  it('a grant wakes ahead of the circuit and of an ask-again', function () {
    const permit = new DeliveryPermit('run', {});
    const { leaseId } = permit.next();
    permit.circuitHolds(leaseId);
    permit.askAgain();
    permit.received(grantFor(leaseId));
    assert.equal(permit.takeWake(), 'granted');
  });
});
