import { loadFixtures, replay } from '../helpers/histories';

describe('determinism', function () {
  it('replays the committed workflow histories (delivery and endpoint runs) with today\'s code', async function () {
    // Histories recorded by the circuit tests (UPDATE_HISTORY_FIXTURES=1 refreshes them). A
    // change that would break workflows already running in production fails here.
    await replay(await loadFixtures());
  });
});
