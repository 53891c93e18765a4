import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { devEnv, freeDevTemporalPort, tempDataDir } from '../helpers/devStack';
import { createTestDatabase } from '../helpers/infra';
import { assertLineOrder, LineReplies, publishInTurn } from '../helpers/lines';
import { Receiver } from '../helpers/receiver';
import { apiClient, FAST_ENV, startTestSystem, type ApiClient, type TestSystem } from '../helpers/system';
import { eventually } from '../helpers/wait';
import { RoleProcess, WorkerProcess } from '../helpers/workerProcess';

const EVENTS = 30;
/** Two lines, so the crash also lands while lines run side by side. */
const KEYS = Array.from({ length: EVENTS }, (_, i) => (i % 3 === 0 ? 'b' : 'a'));

async function createFifoWebhook(api: ApiClient, receiver: Receiver): Promise<string> {
  const created = await api('POST', '/webhooks', { url: receiver.url, events: ['memory.created'], name: 'in order', ordering: 'fifo', max_concurrency: 4 });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body.id;
}

async function waitAllSucceeded(api: ApiClient, webhookId: string, lines: Map<string, string[]>): Promise<void> {
  const ids = new Set([...lines.values()].flat());
  await eventually(`${ids.size} deliveries succeeded`, async () => {
    const page = (await api('GET', `/webhooks/${webhookId}/deliveries?status=succeeded&limit=100`)).body;
    return page.total === ids.size;
  }, 240_000);
}

/** Some requests arrived, not all: the crash lands mid-run. */
async function midRun(receiver: Receiver): Promise<void> {
  await receiver.waitForRequests(8, 60_000);
  const delivered = new Set(receiver.requests.map((r) => r.headers['x-continuum-delivery']));
  assert.ok(delivered.size < EVENTS, 'the crash came before everything was delivered');
}

/**
 * Ordered delivery across crashes (docs/delivery.md, "Ordered delivery"): a delivery sent again after a
 * crash may repeat (at least once), but the one behind it never starts before it finished.
 */
describe('fifo order across crashes', function () {
  this.timeout(600_000);
  let receiver: Receiver;
  const processes: RoleProcess[] = [];

  beforeEach(async function () {
    receiver = await new Receiver().start();
  });
  afterEach(async function () {
    for (const p of processes.splice(0)) await p.kill();
    await receiver.stop();
  });

  it('the worker SIGKILLed mid-run: every line still in order, nothing lost', async function () {
    const database = await createTestDatabase();
    let api: TestSystem | undefined;
    try {
      // Short attempt timeout: an attempt lost with its worker is tried again after a few seconds.
      api = await startTestSystem(database.url, { CONTINUUM_DELIVERY_TIMEOUT: '2s', LOG_LEVEL: 'warn' }, ['api']);
      const replies = new LineReplies({ failureRate: 0.2, replyMs: 150 });
      receiver.respond = replies.respond;
      processes.push(await new WorkerProcess(api.env).start());
      const webhookId = await createFifoWebhook(api.api, receiver);
      const lines = await publishInTurn(api.api, KEYS);
      await midRun(receiver);
      await processes[0].kill();
      processes.push(await new WorkerProcess(api.env).start());
      await waitAllSucceeded(api.api, webhookId, lines);
      assertLineOrder(receiver.requests, lines);
    } finally {
      await api?.stop();
      await database.drop();
    }
  });

  it('the whole npm start (main.js all with its dev servers) SIGKILLed and started again: every line still in order', async function () {
    const dataDir = await tempDataDir();
    try {
      const env = { ...devEnv(dataDir, await freeDevTemporalPort()), ...FAST_ENV };
      const first = await new RoleProcess('all', env).start(180_000);
      processes.push(first);
      const apiKey = (await readFile(path.join(dataDir, 'api-key'), 'utf8')).trim();
      receiver.respond = new LineReplies({ failureRate: 0.2, replyMs: 150 }).respond;
      const webhookId = await createFifoWebhook(apiClient(first.apiUrl as string, apiKey), receiver);
      const lines = await publishInTurn(apiClient(first.apiUrl as string, apiKey), KEYS);
      await midRun(receiver);
      await first.kill();
      // The next start stops the dev servers the killed one left running, then serves the rest.
      const second = await new RoleProcess('all', env).start(180_000);
      processes.push(second);
      await waitAllSucceeded(apiClient(second.apiUrl as string, apiKey), webhookId, lines);
      assertLineOrder(receiver.requests, lines);
      await second.stop();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
