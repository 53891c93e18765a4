import assert from 'node:assert/strict';
import { StopSequence } from '../../src/infra/stopSequence';

describe('stop sequence', function () {
  it('stops newest first, and goes on past a step that hangs or fails, saying which', async function () {
    const done: string[] = [];
    const warnings: string[] = [];
    const stops = new StopSequence({ warn: (_fields: object, msg: string) => warnings.push(msg) } as never);
    stops.add('the pool', async () => done.push('pool'));
    stops.add('the worker', () => new Promise(() => {}), 20);
    stops.add('the server', async () => {
      throw new Error('already closed');
    });
    stops.add('the pass', async () => done.push('pass'));
    await stops.run();
    assert.deepEqual(done, ['pass', 'pool']);
    assert.deepEqual(warnings, ['stopping the server failed', 'stopping the worker took longer than 20 ms: going on without it']);
    await stops.run();
    assert.deepEqual(done, ['pass', 'pool'], 'a second run stops nothing twice');
  });
});
