import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { devEnv, freeDevTemporalPort, isAlive, recordedPids, tempDataDir, waitAllGone } from '../helpers/devStack';
import { streamAcrossFault } from '../helpers/faultRun';
import { LEVEL, logLines } from '../helpers/logLines';
import { Receiver } from '../helpers/receiver';
import { FAST_ENV } from '../helpers/system';
import { eventually } from '../helpers/wait';
import { RoleProcess } from '../helpers/workerProcess';

const START_TIMEOUT_MS = 180_000;

/** Holds a port as soon as it is free (a server we killed lets go of it at once). */
async function squat(port: number): Promise<Server> {
  return eventually(`port ${port} taken over`, () => new Promise<Server | null>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(null));
    server.listen(port, '127.0.0.1', () => resolve(server));
  }), 10_000);
}

/**
 * `npm start` (main.js all: it execs this) with its own dev Temporal server and embedded
 * Postgres, each killed under a stream of deliveries: the supervisor brings it back on the
 * same data, and the stream completes with nobody restarting anything.
 */
describe('npm start supervises its dev servers', function () {
  this.timeout(600_000);
  let dataDir: string;
  let temporalPort: number;
  let node: RoleProcess;
  let apiKey: string;
  const receivers: Receiver[] = [];

  before(async function () {
    dataDir = await tempDataDir();
    temporalPort = await freeDevTemporalPort();
    // Restarts after 600 ms, 1.2 s …: long enough for health polls to see the outage, short
    // enough for the give-up case below to end within seconds. A dev Temporal restarted on its
    // data serves again within about a second, less than the default 2 s between dependency
    // checks: checks every 250 ms, so health sees every outage here.
    node = await new RoleProcess('all', {
      ...devEnv(dataDir, temporalPort), ...FAST_ENV, CONTINUUM_RESTART_BACKOFF: '600ms', CONTINUUM_DEPENDENCY_CHECK_INTERVAL: '250ms',
    }).start(START_TIMEOUT_MS);
    apiKey = (await readFile(path.join(dataDir, 'api-key'), 'utf8')).trim();
  });

  afterEach(function () {
    if (this.currentTest?.state !== 'failed') return;
    // Without the request lines, which would fill the tail: what the supervisor and the monitor said.
    const said = node.output.split('\n').filter((line) => !line.includes('"msg":"request"')).join('\n');
    process.stdout.write(`main.js all printed (last lines but requests):\n${said.slice(-6000)}\n`);
  });

  after(async function () {
    await node?.kill();
    for (const receiver of receivers) await receiver.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** SIGKILLs the recorded child mid-stream and waits until a new one is recorded, alive. */
  function killChild(name: 'temporal' | 'postgres', dependency: 'temporal' | 'database', event: string) {
    return streamAcrossFault({
      baseUrl: node.apiUrl as string, apiKey, event, dependency, receivers,
      fault: async () => {
        const killed = (await recordedPids(dataDir)).children[name];
        process.kill(killed, 'SIGKILL');
        await eventually(`${name} restarted`, async () => {
          const now = (await recordedPids(dataDir)).children[name];
          return now !== killed && (await isAlive(now));
        }, 60_000);
      },
    });
  }

  function assertSaidAtErrorLevel(server: string): void {
    const lines = logLines(node.output);
    const exited = lines.filter((l) => l.level === LEVEL.error && l.dependency === server && /exited/.test(l.msg ?? ''));
    assert.ok(exited.length >= 1, `an error line says ${server} exited`);
    assert.ok(lines.some((l) => l.level === LEVEL.info && l.dependency === server && /running again/.test(l.msg ?? '')), `a line says ${server} is back`);
  }

  it('dev Temporal SIGKILLed: started again on its data, the stream completes', async function () {
    const { stream, receiver } = await killChild('temporal', 'temporal', 'memory.created');
    await stream.verify(receiver);
    assertSaidAtErrorLevel('the Temporal dev server');
  });

  it('embedded Postgres SIGKILLed: publishes answer 503 while it is down, then the stream completes', async function () {
    const { stream, receiver } = await killChild('postgres', 'database', 'memory.updated');
    assert.ok(stream.count(503) > 0, 'some publishes met the outage and were refused');
    await stream.verify(receiver, { allow503: true });
    assertSaidAtErrorLevel('embedded Postgres');
  });

  it('a dev Temporal that cannot be brought back: exits non-zero naming it, stopping the rest', async function () {
    const run = await recordedPids(dataDir);
    process.kill(run.children.temporal, 'SIGKILL');
    const squatter = await squat(temporalPort);
    try {
      const exit = await eventually('main.js exited', async () => node.exitCode !== null && { code: node.exitCode }, 120_000);
      assert.equal(exit.code, 1);
      assert.match(node.output, /the Temporal dev server exited and could not be started again in 5 tries/);
      await waitAllGone([run.owner, run.children.postgres], 30_000);
      assert.doesNotMatch(node.output, /exiting at once/, 'an orderly stop, not the forced exit');
    } finally {
      squatter.close();
    }
  });
});
