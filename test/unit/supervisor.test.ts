import assert from 'node:assert/strict';
import type { StartupError } from '../../src/config';
import { Supervisor, type ChildProcessHandle } from '../../src/infra/supervisor';

/** A server run the test ends by hand: `exit()` is what a kill -9 looks like from outside. */
class FakeRun implements ChildProcessHandle {
  stopped = false;
  exit: (how: string) => void = () => {};
  readonly exited = new Promise<string>((resolve) => {
    this.exit = resolve;
  });

  constructor(readonly pid: number) {}

  async stop(): Promise<void> {
    this.stopped = true;
    this.exit('code 0');
  }
}

function recordingLog() {
  const lines: Array<{ level: string; msg: string }> = [];
  return {
    lines,
    log: {
      error: (_fields: object, msg: string) => lines.push({ level: 'error', msg }),
      info: (_fields: object, msg: string) => lines.push({ level: 'info', msg }),
    } as never,
  };
}

const until = async (what: string, check: () => boolean) => {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 2));
  assert.ok(check(), what);
};

describe('supervisor of a local server', function () {
  it('starts a run that exited again, saying so at error level, and records the new one', async function () {
    const runs: FakeRun[] = [];
    const restarted: number[] = [];
    const exits: string[] = [];
    const { lines, log } = recordingLog();
    const supervisor = await Supervisor.start({
      name: 'the test server', log, backoffMs: 1, onGiveUp: () => assert.fail('gave up'),
      start: async () => runs[runs.push(new FakeRun(100 + runs.length)) - 1],
      onExited: (how) => void exits.push(`${how}, ${restarted.length} restarted`),
      onRestarted: async (run) => void restarted.push(run.pid),
    });
    runs[0].exit('signal SIGKILL');
    await until('a second run', () => restarted.length === 1);
    assert.deepEqual(exits, ['the test server exited (signal SIGKILL), 0 restarted'], 'the exit is told before the restart');
    assert.equal(supervisor.current, runs[1]);
    assert.deepEqual(restarted, [101]);
    assert.match(lines[0].msg, /the test server exited \(signal SIGKILL\): starting it again/);
    assert.equal(lines[0].level, 'error');
    assert.deepEqual(lines[1], { level: 'info', msg: 'the test server is running again' });
    await supervisor.stop();
    assert.ok(runs[1].stopped);
    assert.equal(runs.length, 2, 'a stop is not taken for an exit');
  });

  it('gives up after the tries allowed, naming the server and the last reason', async function () {
    let starts = 0;
    const first = new FakeRun(1);
    let gaveUp: StartupError | null = null;
    const { lines, log } = recordingLog();
    await Supervisor.start({
      name: 'the test server', log, backoffMs: 1, maxTries: 3, onGiveUp: (err) => (gaveUp = err),
      start: async () => {
        if (starts++ === 0) return first;
        throw new Error('port taken');
      },
    });
    first.exit('code 1');
    await until('gave up', () => gaveUp !== null);
    assert.equal(gaveUp!.message, 'the test server exited and could not be started again in 3 tries: port taken');
    assert.equal(starts, 4, 'the first start and three tries');
    assert.equal(lines.filter((l) => /did not start again/.test(l.msg)).length, 3);
  });

  it('a stop during the wait before a try starts nothing more', async function () {
    let starts = 0;
    const first = new FakeRun(1);
    const { log } = recordingLog();
    const supervisor = await Supervisor.start({
      name: 'the test server', log, backoffMs: 60_000, onGiveUp: () => assert.fail('gave up'),
      start: async () => {
        starts++;
        return first;
      },
    });
    first.exit('signal SIGKILL');
    await new Promise((resolve) => setImmediate(resolve));
    await supervisor.stop();
    assert.equal(starts, 1);
  });
});
