import assert from 'node:assert/strict';
import { PermitReleases } from '../../src/permits/releases';
import type { PermitRelease } from '../../workflows/types';

/** Endpoint workflows that record the releases signalled to them and answer each when told to. */
function fakeEndpoints() {
  const sent: Array<{ webhookId: string; releases: PermitRelease[]; answer: (ok: boolean) => void }> = [];
  const control = {
    releasePermits: (webhookId: string, releases: PermitRelease[]) => new Promise<void>((resolve, reject) => {
      sent.push({ webhookId, releases, answer: (ok) => (ok ? resolve() : reject(new Error('unreachable'))) });
    }),
  };
  return { sent, control };
}

const tick = () => new Promise((r) => setImmediate(r));
const ids = (batch: { releases: PermitRelease[] }) => batch.releases.map((r) => r.leaseId);

describe('permit releases (src/permits/releases.ts): coalesced per endpoint', function () {
  it('sends a batch\'s releases together once every lease granted here is back', async function () {
    const { sent, control } = fakeEndpoints();
    const releases = new PermitReleases(control, 60_000);
    releases.expect('wh_a', ['l1', 'l2', 'l3'], 10);
    releases.give('wh_a', { leaseId: 'l2', outcome: 'success' });
    releases.give('wh_a', { leaseId: 'l1', outcome: 'success' });
    await tick();
    assert.equal(sent.length, 0, 'held while l3 runs');
    releases.give('wh_a', { leaseId: 'l3', outcome: 'none' });
    await tick();
    assert.deepEqual(sent.map(ids), [['l2', 'l1', 'l3']], 'one signal, in the order the attempts ended');
  });

  it('a failure goes at once with what is held before it; the next batch waits for the one in flight', async function () {
    const { sent, control } = fakeEndpoints();
    const releases = new PermitReleases(control, 60_000);
    releases.expect('wh_a', ['l1', 'l2', 'l3', 'l4'], 10);
    releases.give('wh_a', { leaseId: 'l1', outcome: 'success' });
    releases.give('wh_a', { leaseId: 'l2', outcome: 'failure' });
    await tick();
    assert.deepEqual(sent.map(ids), [['l1', 'l2']]);
    releases.give('wh_a', { leaseId: 'l3', outcome: 'failure' });
    releases.give('wh_b', { leaseId: 'm1', outcome: 'success' });
    await tick();
    assert.deepEqual(sent.map(ids), [['l1', 'l2'], ['m1']], 'one signal in flight per endpoint; another endpoint is not held up');
    sent[0].answer(true);
    await tick();
    await tick();
    assert.deepEqual(ids(sent[2]), ['l3']);
  });

  it('a release nobody else is expected with goes at once; one held goes after the window', async function () {
    const { sent, control } = fakeEndpoints();
    const releases = new PermitReleases(control, 20);
    releases.give('wh_a', { leaseId: 'x', outcome: 'success' });
    await tick();
    assert.deepEqual(sent.map(ids), [['x']]);
    sent[0].answer(true);
    releases.expect('wh_a', ['l1', 'lost'], 10);
    releases.give('wh_a', { leaseId: 'l1', outcome: 'success' });
    await tick();
    assert.equal(sent.length, 1, 'held: "lost" may still come back');
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(sent.map(ids), [['x'], ['l1']], 'sent when the window ended');
  });

  it('goes once more than half the endpoint\'s permits are held, though others are still out', async function () {
    const { sent, control } = fakeEndpoints();
    const releases = new PermitReleases(control, 60_000);
    const leases = Array.from({ length: 10 }, (_, i) => `l${i}`);
    releases.expect('wh_a', leases, 10);
    leases.slice(0, 5).forEach((leaseId) => releases.give('wh_a', { leaseId, outcome: 'success' }));
    await tick();
    assert.equal(sent.length, 0, 'five of ten: held');
    releases.give('wh_a', { leaseId: 'l5', outcome: 'success' });
    await tick();
    assert.deepEqual(sent.map(ids), [leases.slice(0, 6)]);
  });

  it('a probe\'s outcome goes at once (urgent), and flushAll sends what is held', async function () {
    const { sent, control } = fakeEndpoints();
    const releases = new PermitReleases(control, 60_000);
    releases.expect('wh_a', ['l1', 'l2', 'l3'], 10);
    releases.give('wh_a', { leaseId: 'l1', outcome: 'success' }, true);
    await tick();
    assert.deepEqual(sent.map(ids), [['l1']]);
    sent[0].answer(true);
    releases.give('wh_a', { leaseId: 'l2', outcome: 'success' });
    const flushed = releases.flushAll();
    await tick();
    sent[1].answer(true);
    await flushed;
    assert.deepEqual(sent.map(ids), [['l1'], ['l2']]);
  });
});
