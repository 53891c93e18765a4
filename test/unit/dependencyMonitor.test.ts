import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { DependencyMonitor } from '../../src/infra/dependencyMonitor';
import { createLogger } from '../../src/log';

/** A monitor speaking through a real logger built with it, and the lines that logger wrote. */
function monitored(options: ConstructorParameters<typeof DependencyMonitor>[0] = {}) {
  const lines: Array<{ level: number; msg: string; dependency?: string; failedCalls?: number }> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().trim().split('\n')) lines.push(JSON.parse(line));
      done();
    },
  });
  const monitor = new DependencyMonitor({ timeoutMs: 50, ...options });
  const log = createLogger('info', sink, monitor);
  monitor.attachLog(log);
  return { monitor, log, lines, flush: () => new Promise((resolve) => setImmediate(resolve)) };
}

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

describe('dependency monitor', function () {
  it('one error line when a dependency goes away, none while it stays away, one when it is back', async function () {
    const { monitor, log, lines, flush } = monitored({ reminderMs: 60_000 });
    let up = false;
    monitor.watch('database', async () => {
      if (!up) throw refused();
    });
    await monitor.refresh();
    const down = monitor.snapshot().database!;
    assert.equal(down.up, false);
    for (let i = 0; i < 5; i++) {
      log.warn({ err: refused() }, 'a query failed');
      await monitor.refresh();
    }
    up = true;
    await monitor.refresh();
    await flush();
    assert.deepEqual(lines.map((l) => [l.level, l.dependency, l.msg]), [
      [50, 'database', 'Postgres is unreachable: connect ECONNREFUSED 127.0.0.1:5432'],
      [30, 'database', 'Postgres is reachable again after 0 s'],
    ]);
    assert.equal(lines[1].failedCalls, 5, 'the failures it took instead of the log are counted');
    assert.ok(monitor.snapshot().database!.since >= down.since);
  });

  it('a reminder while it stays away, at most every reminderMs', async function () {
    const { monitor, lines, flush } = monitored({ reminderMs: 0 });
    monitor.watch('temporal', async () => {
      throw new Error('tcp connect error');
    });
    await monitor.refresh();
    await monitor.refresh();
    await flush();
    assert.deepEqual(lines.map((l) => l.level), [50, 40]);
    assert.match(lines[1].msg, /^Temporal still unreachable after \d+ s$/);
  });

  it('takes only failures of a watched dependency, never its own lines or other errors', function () {
    const { monitor } = monitored();
    monitor.watch('database', async () => {});
    assert.equal(monitor.absorb({ err: refused() }, 'query failed'), true);
    assert.equal(monitor.absorb({ knex: 'Connection Error: Connection ended unexpectedly' }, 'database'), true);
    assert.equal(monitor.absorb({ err: new Error('syntax error at or near "selec"') }, 'query failed'), false);
    assert.equal(monitor.absorb({ dependency: 'database', err: refused() }, 'Postgres is unreachable'), false);
    assert.equal(monitor.absorb({}, 'gRPC call start_workflow_execution retried 8 times: tcp connect error'), false, 'Temporal is not watched here');
  });

  it('answers within its budget while a check hangs, with what it knew', async function () {
    const { monitor } = monitored({ timeoutMs: 60_000 });
    monitor.watch('temporal', () => new Promise(() => {}));
    const states = await monitor.refresh(10);
    assert.equal(states.temporal?.up, true, 'not yet known to be down');
    assert.equal(states.temporal?.checkedAt, null);
  });
  it('a server of ours that exited is down at once, until a check that began after the exit answers', async function () {
    const { monitor, lines, flush } = monitored();
    let answer: (() => void) | null = null;
    monitor.watch('temporal', () => new Promise<void>((resolve) => {
      answer = resolve;
    }));
    const before = monitor.refresh(60_000);
    monitor.noteGone('temporal', 'the Temporal dev server exited (signal SIGKILL)');
    assert.equal(monitor.snapshot().temporal?.up, false, 'down before any check failed');
    answer!();
    await before;
    assert.equal(monitor.snapshot().temporal?.up, false, 'a check that began before the exit proves nothing');
    const after = monitor.refresh(60_000);
    answer!();
    await after;
    await flush();
    assert.equal(monitor.snapshot().temporal?.up, true);
    assert.deepEqual(lines.map((l) => [l.level, l.msg]), [
      [50, 'Temporal is unreachable: the Temporal dev server exited (signal SIGKILL)'],
      [30, 'Temporal is reachable again after 0 s'],
    ]);
  });
});
