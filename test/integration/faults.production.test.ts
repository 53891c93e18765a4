import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { loadConfig } from '../../src/config';
import { createDb } from '../../src/db/knex';
import { migrateToLatest } from '../../src/db/migrate';
import { ensureApiKey } from '../../src/db/repositories/apiKeys';
import { startEmbeddedPostgres, type LocalPostgres } from '../../src/infra/embeddedPostgres';
import { generateApiKey } from '../../src/security/apiKeys';
import { freePort } from '../../src/temporal/devServer';
import { startTemporalServer, type TemporalServer } from '../../src/temporal/server';
import { dropServerDatabases } from '../../src/temporal/serverDatabases';
import { streamAcrossFault } from '../helpers/faultRun';
import { tempDataDir } from '../helpers/devStack';
import { LEVEL, OutputTap, type LogLine } from '../helpers/logLines';
import { getInfra } from '../helpers/infra';
import { Receiver } from '../helpers/receiver';
import { apiClient, FAST_ENV } from '../helpers/system';
import { eventually } from '../helpers/wait';
import { RoleProcess } from '../helpers/workerProcess';

const LIMIT = 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The lines a process wrote about its dependencies: warnings, errors and the monitor's own. */
function outageLines(lines: LogLine[]): LogLine[] {
  return lines.filter((line) => line.level >= LEVEL.warn || line.dependency !== undefined);
}

/**
 * Production shape: the Temporal server (src/temporal/server.ts) and Postgres run apart from
 * one API and one worker process. Each dependency is stopped under a stream of deliveries and
 * started again; the processes pick up by themselves and the stream completes.
 */
describe('separate API and worker processes across dependency restarts', function () {
  this.timeout(600_000);
  const prefix = `tsrv_${randomBytes(4).toString('hex')}_`;
  let server: TemporalServer;
  let postgres: LocalPostgres;
  let pgDir: string;
  let pgPort: number;
  let api: RoleProcess;
  let worker: RoleProcess;
  let apiKey: string;
  let env: Record<string, string>;
  const receivers: Receiver[] = [];

  before(async function () {
    pgDir = await tempDataDir();
    pgPort = await freePort();
    [server, postgres] = await Promise.all([
      startTemporalServer({ postgresUrl: getInfra().postgresUrl, databasePrefix: prefix }),
      startEmbeddedPostgres(pgDir, () => {}, { port: pgPort }),
    ]);
    apiKey = generateApiKey();
    env = {
      PORT: '0', DATABASE_URL: postgres.url, TEMPORAL_ADDRESS: server.address,
      TEMPORAL_TASK_QUEUE: `faults-${randomBytes(4).toString('hex')}`,
      CONTINUUM_BOOTSTRAP_TENANT: 'tenant_a', CONTINUUM_BOOTSTRAP_API_KEY: apiKey,
      CONTINUUM_SECRET_KEY: randomBytes(32).toString('base64'),
      CONTINUUM_ALLOW_HTTP: 'true', CONTINUUM_ALLOW_PRIVATE_TARGETS: 'true',
      LOG_LEVEL: 'info', ...FAST_ENV,
    };
    const db = createDb(postgres.url, 1);
    await migrateToLatest(db);
    await ensureApiKey(db, loadConfig(env).bootstrapTenant, apiKey);
    await db.destroy();
    [worker, api] = await Promise.all([new RoleProcess('worker', env).start(120_000), new RoleProcess('api', env).start(120_000)]);
  });

  afterEach(function () {
    if (this.currentTest?.state !== 'failed') return;
    for (const p of [api, worker]) process.stdout.write(`${p.role} printed (last lines):\n${p.output.slice(-5000)}\n`);
  });

  after(async function () {
    for (const p of [api, worker]) await p?.kill();
    for (const r of receivers) await r.stop();
    await server?.stop();
    await postgres?.stop();
    await dropServerDatabases(getInfra().postgresUrl, prefix);
    await rm(pgDir, { recursive: true, force: true });
  });

  const across = (event: string, dependency: 'temporal' | 'database', fault: () => Promise<void>) =>
    streamAcrossFault({ baseUrl: api.apiUrl as string, apiKey, event, dependency, fault, receivers });

  function assertNoProcessRestarted(): void {
    for (const p of [api, worker]) assert.equal(p.exitCode, null, `${p.role} still runs`);
  }

  it('Temporal server stopped for 10 s and started again: the stream completes, no process restarted', async function () {
    const { stream, receiver } = await across('memory.created', 'temporal', async () => {
      await server.stopProcess();
      await sleep(10_000);
      await server.startProcess();
    });
    await stream.verify(receiver);
    assert.ok(receiver.maxInFlight <= LIMIT, `${receiver.maxInFlight} in flight at once`);
    assertNoProcessRestarted();
  });

  it('Postgres restarted: publishes answer 503 while it is down, then the stream completes', async function () {
    const { stream, receiver } = await across('memory.updated', 'database', async () => {
      await postgres.stop();
      await sleep(5000);
      postgres = await startEmbeddedPostgres(pgDir, () => {}, { port: pgPort });
    });
    assert.ok(stream.count(503) > 0, 'some publishes met the outage and were refused');
    await stream.verify(receiver, { allow503: true });
    assert.ok(receiver.maxInFlight <= LIMIT, `${receiver.maxInFlight} in flight at once`);
    assertNoProcessRestarted();
  });

  it('a 20 s Temporal outage: a few log lines per process, not one per failed call', async function () {
    const taps = [api, worker].map((p) => ({ role: p.role, tap: new OutputTap(p) }));
    const { stream, receiver } = await across('memory.deleted', 'temporal', async () => {
      await server.stopProcess();
      await sleep(20_000);
      await server.startProcess();
    });
    await stream.verify(receiver);
    for (const { role, tap } of taps) {
      const lines = outageLines(tap.close());
      const texts = lines.map((l) => `${l.level} ${l.msg}`);
      assert.ok(lines.some((l) => l.level === LEVEL.error && l.dependency === 'temporal'), `${role}: one error line says Temporal went away: ${texts.join(' | ')}`);
      assert.ok(lines.some((l) => l.level === LEVEL.info && l.dependency === 'temporal' && /reachable again/.test(l.msg ?? '')), `${role}: a line says it is back`);
      assert.ok(lines.length <= 4, `${role}: ${lines.length} lines about the outage: ${texts.join(' | ')}`);
    }
  });

  /** A webhook (limit 10) on a receiver answering in 20 ms, and `count` events published to it, 20 at a time. */
  async function busyWebhook(event: string, count: number) {
    const receiver = await new Receiver().start();
    receivers.push(receiver);
    receiver.respond = () => ({ status: 200, delayMs: 20 });
    const client = apiClient(api.apiUrl as string, apiKey);
    const created = await client('POST', '/webhooks', { url: receiver.url, events: [event], max_concurrency: LIMIT, name: `busy ${event}` });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const ids: string[] = [];
    for (let sent = 0; sent < count; sent += 20) {
      const answers = await Promise.all(Array.from({ length: Math.min(20, count - sent) }, () => client('POST', '/events', { event, data: { session_id: 'sess_1', user_id: 'user_1' } })));
      for (const a of answers) {
        assert.equal(a.status, 202, JSON.stringify(a.body));
        ids.push(...(a.body.delivery_ids as string[]));
      }
    }
    return { receiver, ids };
  }

  /** Every delivery reached the receiver, at most `repeats` twice, never more than the limit at once. */
  function assertDelivered(receiver: Receiver, ids: string[], repeats: number): void {
    const seen = new Map<string, number>();
    for (const req of receiver.requests) seen.set(req.headers['x-continuum-delivery'] as string, (seen.get(req.headers['x-continuum-delivery'] as string) ?? 0) + 1);
    assert.deepEqual(ids.filter((id) => !seen.has(id)), [], 'every delivery reached the receiver');
    const duplicates = [...seen.values()].reduce((n, c) => n + c - 1, 0);
    assert.ok(duplicates <= repeats, `${duplicates} duplicates (at most the attempts in flight may repeat)`);
    assert.ok(receiver.maxInFlight <= LIMIT, `${receiver.maxInFlight} in flight at once, limit ${LIMIT}`);
  }

  /** The first request the receiver saw after `at`, as ms after it. */
  const gapAfter = (receiver: Receiver, at: number) => {
    const next = receiver.requests.find((req) => req.at > at);
    return next ? `${next.at - at} ms` : 'none';
  };

  it('a worker SIGKILLed mid-stream (600 deliveries, limit 10, 20 ms receiver): none lost, the limit held', async function () {
    const { receiver, ids } = await busyWebhook('session.started', 600);
    await eventually('a third delivered', async () => receiver.requests.length >= 200, 120_000, 5);
    await worker.kill();
    const killedAt = Date.now();
    worker = await new RoleProcess('worker', env).start(120_000);
    await eventually('all 600 delivered', async () => new Set(receiver.requests.map((r) => r.headers['x-continuum-delivery'])).size >= ids.length, 300_000);
    console.log(`      stall after the kill: ${gapAfter(receiver, killedAt)} (a new worker started at once; the killed one's leases expire after the attempt's bound)`);
    assertDelivered(receiver, ids, LIMIT);
  });

  it('Temporal SIGKILLed mid-stream and started again: none lost, the limit held, deliveries resume', async function () {
    const { receiver, ids } = await busyWebhook('session.ended', 300);
    await eventually('a third delivered', async () => receiver.requests.length >= 100, 120_000, 5);
    process.kill(server.pid, 'SIGKILL');
    await server.stopProcess();
    await sleep(3000);
    await server.startProcess();
    const backAt = Date.now();
    await eventually('all delivered', async () => new Set(receiver.requests.map((r) => r.headers['x-continuum-delivery'])).size >= ids.length, 300_000);
    console.log(`      first receipt after Temporal was back: ${gapAfter(receiver, backAt)}`);
    assertDelivered(receiver, ids, LIMIT);
    assertNoProcessRestarted();
  });

  it('stops within its deadline with Temporal and Postgres both gone: no forced exit', async function () {
    await Promise.all([server.stopProcess(), postgres.stop()]);
    await sleep(3000);
    for (const p of [api, worker]) {
      await p.stop();
      assert.equal(p.exitCode, 0, `${p.role} exited 0`);
      assert.doesNotMatch(p.output, /exiting at once/, `${p.role} stopped in order`);
    }
  });
});
