import assert from 'node:assert/strict';
import { PermitReleases } from '../../activities/releases';
import { endpointWorkflowId } from '../../workflows/messages';
import type { PermitRelease } from '../../workflows/types';

/** Endpoint workflows that record the releases signalled to them and answer each when told to. */
function fakeTemporal() {
  const sent: Array<{ workflowId: string; releases: PermitRelease[]; answer: (ok: boolean) => void }> = [];
  const endpoints = {
    releasePermits: (webhookId: string, releases: PermitRelease[]) => new Promise<void>((resolve, reject) => {
      sent.push({ workflowId: endpointWorkflowId(webhookId), releases, answer: (ok) => (ok ? resolve() : reject(new Error('unreachable'))) });
    }),
  };
  return { sent, temporal: endpoints };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('permit releases: coalesced per endpoint', function () {
  it('sends an idle endpoint\'s release at once, and those that end meanwhile together, in order', async function () {
    const { sent, temporal } = fakeTemporal();
    const releases = new PermitReleases(temporal);
    const first = releases.give('wh_a', { leaseId: 'l1', outcome: 'success' });
    await tick();
    assert.equal(sent.length, 1);
    const later = [releases.give('wh_a', { leaseId: 'l2', outcome: 'failure' }), releases.give('wh_a', { leaseId: 'l3', outcome: 'success' })];
    const other = releases.give('wh_b', { leaseId: 'm1', outcome: 'none' });
    await tick();
    assert.deepEqual(sent.map((s) => [s.workflowId, s.releases.map((r) => r.leaseId)]), [['endpoint:wh_a', ['l1']], ['endpoint:wh_b', ['m1']]],
      'one signal in flight per endpoint; another endpoint is not held up');
    sent[0].answer(true);
    assert.equal(await first, true);
    await tick();
    assert.deepEqual(sent[2].releases, [{ leaseId: 'l2', outcome: 'failure' }, { leaseId: 'l3', outcome: 'success' }]);
    sent[2].answer(false);
    assert.deepEqual(await Promise.all(later), [false, false], 'a failed signal tells every caller, whose workflow then releases itself');
    sent[1].answer(true);
    assert.equal(await other, true);
  });
});
