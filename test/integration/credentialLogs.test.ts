import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { generateApiKey } from '../../src/security/apiKeys';
import { createTestDatabase } from '../helpers/infra';
import { Receiver } from '../helpers/receiver';
import { apiClient, testSystemEnv } from '../helpers/system';
import { RoleProcess } from '../helpers/workerProcess';

describe('credentials never reach the logs', function () {
  this.timeout(300_000);
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let receiver: Receiver;
  let node: RoleProcess | null = null;

  before(async function () {
    database = await createTestDatabase();
    receiver = await new Receiver().start();
  });

  after(async function () {
    await node?.kill();
    await receiver?.stop();
    await database?.drop();
  });

  it('started with CONTINUUM_BOOTSTRAP_API_KEY at debug level, a delivery later the key is nowhere in stdout or stderr', async function () {
    const key = generateApiKey();
    const env = testSystemEnv(database.url, { CONTINUUM_BOOTSTRAP_API_KEY: key, LOG_LEVEL: 'debug' });
    let everything = '';
    node = new RoleProcess('all', env);
    node.onOutput = (chunk) => (everything += chunk);
    await node.start(180_000);
    assert.match(everything, /API key \(tenant tenant_a\): the one in CONTINUUM_BOOTSTRAP_API_KEY/);

    const api = apiClient(node.apiUrl as string, key);
    const headerToken = `gw-${randomBytes(12).toString('hex')}`;
    const webhook = (await api('POST', '/webhooks', { url: receiver.url, events: ['memory.created'], name: 'logs', headers: { 'X-Gateway-Token': headerToken } })).body;
    assert.match(webhook.secret, /^whs_/);
    const published = await api('POST', '/events', { event: 'memory.created', data: { memory_id: 'mem_log' } });
    assert.equal(published.status, 202, JSON.stringify(published.body));
    await receiver.waitForRequests(1, 60_000);
    assert.equal(receiver.requests[0].headers['x-gateway-token'], headerToken);
    const tested = await api('POST', `/webhooks/${webhook.id}/test`);
    assert.equal(tested.status, 200, JSON.stringify(tested.body));
    assert.equal((await api('GET', '/webhooks', undefined, { key: `${key}x` })).status, 401, 'a near miss is logged as a 401, not echoed');
    await node.stop();

    assert.match(everything, /"status":202/, 'requests were logged');
    for (const [what, secret] of [['API key', key], ['API key without its prefix', key.slice(3)], ['webhook secret', webhook.secret], ['custom header value', headerToken]]) {
      assert.equal(everything.includes(secret), false, `the ${what} appears in the output`);
    }
  });
});
