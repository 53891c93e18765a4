import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { loadConfig } from '../../src/config';
import { createDb } from '../../src/db/knex';
import { migrateToLatest } from '../../src/db/migrate';
import { ensureApiKey } from '../../src/db/repositories/apiKeys';
import { generateApiKey } from '../../src/security/apiKeys';
import { startTemporalServer, type TemporalServer } from '../../src/temporal/server';
import { createTestDatabase, getInfra } from '../helpers/infra';
import { Receiver } from '../helpers/receiver';
import { apiClient, FAST_ENV, type ApiClient } from '../helpers/system';
import { eventually } from '../helpers/wait';
import { RoleProcess } from '../helpers/workerProcess';

const EVENTS = 100;
const MAX_CONCURRENCY = 4;

/**
 * The production path: a real Temporal server on Postgres (not the dev server), two worker
 * processes and two API processes sharing one database and one task queue.
 */
describe('several processes on the production Temporal server', function () {
  this.timeout(600_000);
  let server: TemporalServer;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Knex;
  const workers: RoleProcess[] = [];
  const apis: RoleProcess[] = [];
  const receivers: Receiver[] = [];
  let api: ApiClient[];

  before(async function () {
    const prefix = `tsrv_${randomBytes(4).toString('hex')}_`;
    [server, database] = await Promise.all([
      startTemporalServer({ postgresUrl: getInfra().postgresUrl, databasePrefix: prefix }),
      createTestDatabase(),
    ]);
    const apiKey = generateApiKey();
    const env: Record<string, string> = {
      PORT: '0',
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_TASK_QUEUE: `multi-${randomBytes(4).toString('hex')}`,
      CONTINUUM_BOOTSTRAP_TENANT: 'tenant_a',
      CONTINUUM_BOOTSTRAP_API_KEY: apiKey,
      CONTINUUM_SECRET_KEY: randomBytes(32).toString('base64'),
      CONTINUUM_ALLOW_HTTP: 'true',
      CONTINUUM_ALLOW_PRIVATE_TARGETS: 'true',
      LOG_LEVEL: 'warn',
      ...FAST_ENV,
      // An attempt lost with its worker runs again within seconds; the circuit stays open
      // until reset, so that both APIs can be asked about it.
      CONTINUUM_DELIVERY_TIMEOUT: '2s',
      CONTINUUM_CIRCUIT_OPEN_DURATION: '10m',
    };
    // Migrated once up front, so the processes don't race for the migration lock.
    db = createDb(database.url, 2);
    await migrateToLatest(db);
    await ensureApiKey(db, loadConfig(env).bootstrapTenant, apiKey);
    workers.push(...(await Promise.all([0, 1].map(() => new RoleProcess('worker', env).start(120_000)))));
    apis.push(...(await Promise.all([0, 1].map(() => new RoleProcess('api', env).start(120_000)))));
    api = apis.map((p) => apiClient(p.apiUrl as string, apiKey));
  });

  after(async function () {
    for (const p of [...apis, ...workers]) await p.stop();
    for (const r of receivers) await r.stop();
    await db?.destroy();
    await server?.stop();
    await database?.drop();
  });

  async function webhook(receiver: Receiver, event: string): Promise<string> {
    const created = await api[0]('POST', '/webhooks', { url: receiver.url, events: [event], name: 'multi', max_concurrency: MAX_CONCURRENCY });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.id;
  }

  it('delivers 300 deliveries within each gate across two workers, and loses none when one is killed', async function () {
    for (let i = 0; i < 3; i++) {
      const receiver = await new Receiver().start();
      receiver.respond = () => ({ status: 200, delayMs: 30 });
      receivers.push(receiver);
    }
    const webhookIds = await Promise.all(receivers.map((r) => webhook(r, 'memory.created')));
    const responses = await Promise.all(Array.from({ length: EVENTS }, (_, i) =>
      api[i % 2]('POST', '/events', { event: 'memory.created', data: { memory_id: `m${i}` } })));
    const deliveryIds = responses.flatMap((r) => {
      assert.equal(r.status, 202, JSON.stringify(r.body));
      return r.body.delivery_ids as string[];
    });
    assert.equal(deliveryIds.length, 3 * EVENTS);

    const received = () => receivers.reduce((n, r) => n + r.requests.length, 0);
    await eventually('a fifth of the deliveries received', async () => received() >= 60, 120_000);
    await workers[0].kill();
    assert.ok(received() < deliveryIds.length, 'the worker died mid-run');

    await eventually('every delivery succeeded', async () => {
      const row = await db('deliveries').whereIn('id', deliveryIds).where({ status: 'succeeded' }).count<{ n: string }[]>('* as n').first();
      return Number(row?.n) === deliveryIds.length;
    }, 300_000);
    const seen = new Set(receivers.flatMap((r) => r.requests.map((q) => q.headers['x-continuum-delivery'] as string)));
    assert.deepEqual([...seen].sort(), [...deliveryIds].sort(), 'every delivery reached its receiver (duplicates allowed)');
    receivers.forEach((r, i) => assert.ok(r.maxInFlight <= MAX_CONCURRENCY, `webhook ${i}: ${r.maxInFlight} in flight at once`));
    for (const id of webhookIds) {
      await eventually(`gate of ${id} back to 0 in flight`, async () => {
        const { body } = await api[1]('GET', `/webhooks/${id}`);
        return body.circuit?.in_flight === 0 && body.circuit.queued === 0 && body.circuit.state === 'closed';
      }, 120_000);
    }
  });

  it('shows a circuit opened by failures through one API and resets it through the other', async function () {
    const failing = await new Receiver().start();
    failing.respond = () => ({ status: 500 });
    receivers.push(failing);
    const id = await webhook(failing, 'sync.failed');
    for (let i = 0; i < 3; i++) {
      const published = await api[i % 2]('POST', '/events', { event: 'sync.failed', data: { sync_id: 's1', error: 'boom' } });
      assert.equal(published.status, 202, JSON.stringify(published.body));
    }
    await eventually('circuit open, seen through the first API', async () => (await api[0]('GET', `/webhooks/${id}`)).body.circuit?.state === 'open', 120_000);
    assert.equal((await api[1]('GET', `/webhooks/${id}`)).body.circuit.state, 'open', 'the second API sees it open too');
    const reset = await api[1]('POST', `/webhooks/${id}/circuit/reset`);
    assert.ok(reset.status < 300, JSON.stringify(reset.body));
    failing.respond = () => ({ status: 200 });
    await eventually('circuit closed, seen through the first API', async () => (await api[0]('GET', `/webhooks/${id}`)).body.circuit?.state === 'closed', 60_000);
  });
});
