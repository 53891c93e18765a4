import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { canListen } from '../../src/infra/processInfo';
import { devEnv, freeDevTemporalPort, isAlive, recordedPids, tempDataDir, waitAllGone } from '../helpers/devStack';
import { eventually } from '../helpers/wait';
import { RoleProcess } from '../helpers/workerProcess';

const REPO = path.resolve(__dirname, '../../..');
const START_TIMEOUT_MS = 180_000;

/** The ports a dev run binds: the API's (from its banner), Temporal's and its Web UI's. */
function portsOf(apiUrl: string, temporalPort: number): number[] {
  return [Number(new URL(apiUrl).port), temporalPort, temporalPort + 1000];
}

async function assertPortsFree(ports: number[]): Promise<void> {
  for (const port of ports) assert.ok(await canListen(port, '127.0.0.1'), `port ${port} is free`);
}

/** `npm start` as a user runs it, minus the build (done already): npm → node → Postgres, Temporal. */
function npmStart(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn('npm', ['start', '--ignore-scripts'], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.removeListener('exit', kill));
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

describe('one process tree: clean stops on signals, nothing left after a crash', function () {
  this.timeout(600_000);
  const dirs: string[] = [];
  const started: RoleProcess[] = [];
  let temporalPort: number;
  let env: Record<string, string>;

  beforeEach(async function () {
    const dataDir = await tempDataDir();
    dirs.push(dataDir);
    temporalPort = await freeDevTemporalPort();
    env = devEnv(dataDir, temporalPort);
  });

  after(async function () {
    for (const process of started) await process.kill();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  async function startAll(): Promise<RoleProcess> {
    const node = new RoleProcess('all', env);
    started.push(node);
    return node.start(START_TIMEOUT_MS);
  }

  it('after a SIGKILL of main.js all, the next start stops what it left and runs; SIGINT to node then stops everything', async function () {
    const first = await startAll();
    const firstRun = await recordedPids(env.CONTINUUM_DATA_DIR);
    assert.equal(firstRun.owner, first.pid);
    assert.deepEqual(Object.keys(firstRun.children).sort(), ['postgres', 'temporal']);
    await first.kill();
    const orphans = Object.values(firstRun.children);
    // Postgres outlives its parent; the Go dev server may die of SIGPIPE at its next log line.
    assert.ok(await isAlive(firstRun.children.postgres), 'Postgres outlived the SIGKILL (what the next start must clean up)');

    const second = await startAll();
    assert.match(second.output, new RegExp(`stopped what an earlier run left running: postgres \\(pid ${firstRun.children.postgres}\\)`));
    for (const pid of orphans) assert.equal(await isAlive(pid), false, `pid ${pid} of the first run is gone`);
    const health = await fetch(`${second.apiUrl}/api/v1/webhooks/health`);
    assert.equal(health.status, 200, 'the second run serves with its own servers');

    const secondRun = await recordedPids(env.CONTINUUM_DATA_DIR);
    process.kill(second.pid as number, 'SIGINT');
    // Liveness, not speed: main.ts exits at its 15 s stop deadline whatever hangs.
    await waitAllGone([secondRun.owner, ...Object.values(secondRun.children)], 60_000);
    await assertPortsFree(portsOf(second.apiUrl as string, temporalPort));
    assert.equal(existsSync(path.join(env.CONTINUUM_DATA_DIR, 'processes.json')), false, 'a clean stop leaves no record');
  });

  it('SIGTERM to the npm process stops npm, node, Postgres and Temporal, and frees every port', async function () {
    const { child, output } = npmStart(env);
    await eventually('npm start is running', async () => output().includes('is running (all)'), START_TIMEOUT_MS)
      .catch((err: Error) => {
        throw new Error(`${err.message}; it printed:\n${output().slice(-2000)}`);
      });
    const apiUrl = /API: +(\S+)\/api\/v1/.exec(output())?.[1] as string;
    const run = await recordedPids(env.CONTINUUM_DATA_DIR);
    const tree = [child.pid as number, run.owner, ...Object.values(run.children)];
    assert.equal(new Set(tree).size, 4, `npm, node and two servers: ${tree.join(', ')}`);

    child.kill('SIGTERM');
    await waitAllGone(tree, 60_000);
    await assertPortsFree(portsOf(apiUrl, temporalPort));
    assert.match(output(), /"signal":"SIGTERM","msg":"stopping"/, 'node got the signal npm received');
  });

  it('a port held by a process it did not start: names that process and exits non-zero, starting nothing', async function () {
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(temporalPort, '127.0.0.1', resolve));
    try {
      const refused = await startAll().then(() => null, (err: Error) => err.message);
      assert.ok(refused, 'the start failed');
      assert.match(refused, /exited with 1/);
      assert.match(refused, new RegExp(`port ${temporalPort} \\(Temporal dev server\\) is held by pid ${process.pid} \\(`));
      assert.equal(existsSync(path.join(env.CONTINUUM_DATA_DIR, 'postgres')), false, 'nothing was started');
      assert.equal(existsSync(path.join(env.CONTINUUM_DATA_DIR, 'processes.json')), false);
    } finally {
      squatter.close();
    }
  });
});
