import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { newId } from '../../src/db/ids';
import { insertWebhook } from '../../src/db/repositories/webhooks';
import { SecretBox, generateWebhookSecret } from '../../src/security/secrets';
import { HOSTILE_URLS } from '../fixtures/hostileUrls';
import { createTestDatabase } from '../helpers/infra';
import { Receiver } from '../helpers/receiver';
import { startTestSystem, useTestStack, type TestSystem } from '../helpers/system';
import { VERIFIERS, verifyWith, type Vector } from '../helpers/verifiers';
import { eventually } from '../helpers/wait';

/** A TCP listener that only counts connections: proof that nothing reached it. */
async function connectionCounter(): Promise<{ server: Server; port: number; count: () => number }> {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, count: () => connections };
}

describe('security: production URL policy', function () {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let stack: TestSystem;

  before(async function () {
    database = await createTestDatabase();
    stack = await startTestSystem(database.url, { CONTINUUM_ALLOW_HTTP: 'false', CONTINUUM_ALLOW_PRIVATE_TARGETS: 'false' });
  });

  after(async function () {
    await stack?.stop();
    await database?.drop();
  });

  it(`refuses ${HOSTILE_URLS.length} hostile URLs at create and at update, naming the reason, storing nothing`, async function () {
    assert.ok(HOSTILE_URLS.length >= 40);
    const good = await stack.api('POST', '/webhooks', { url: 'https://93.184.216.34/hook', events: ['user.created'], name: 'public' });
    assert.equal(good.status, 201, JSON.stringify(good.body));
    const before = JSON.stringify(await stack.system.db('webhooks').orderBy('id'));
    for (const [url, reason] of HOSTILE_URLS) {
      for (const [method, path] of [['POST', '/webhooks'], ['PATCH', `/webhooks/${good.body.id}`]]) {
        const response = await stack.api(method, path, { url, events: ['user.created'], name: 'hostile' });
        assert.equal(response.status, 400, `${method} ${url}: ${response.status}`);
        const detail = response.body.error.details.find((d: { field: string }) => d.field === 'body.url');
        assert.ok(detail && reason.test(detail.message), `${method} ${url}: ${JSON.stringify(response.body.error)}`);
      }
    }
    assert.equal(JSON.stringify(await stack.system.db('webhooks').orderBy('id')), before, 'nothing stored or changed');
  });

  it('refuses at send time a hostname whose DNS answer is private, without connecting', async function () {
    const listener = await connectionCounter();
    try {
      // As if the name resolved to a public address when it was registered (DNS rebinding).
      const row = await insertWebhook(stack.system.db, {
        id: newId('wh'), tenant_id: 'tenant_a', url: `https://localhost:${listener.port}/hook`, events: ['session.ended'], name: 'rebound',
        description: null, active: true, secret_ciphertext: new SecretBox(Buffer.from(stack.env.CONTINUUM_SECRET_KEY, 'base64')).seal(generateWebhookSecret()), max_concurrency: 10,
      });
      const [deliveryId] = (await stack.api('POST', '/events', { event: 'session.ended', data: { session_id: 's1' } })).body.delivery_ids;
      const attempt = await eventually('a refused attempt', () => stack.system.db('delivery_attempts').where({ delivery_id: deliveryId }).first());
      assert.equal(attempt.status_code, null);
      assert.match(attempt.error_message, /blocked target: localhost resolves to non-public (127\.0\.0\.1|::1)/);
      assert.equal(listener.count(), 0, 'no connection was made');
      await stack.api('DELETE', `/webhooks/${row.id}`);
    } finally {
      listener.server.close();
    }
  });

  it('keeps no secret in clear in the database', async function () {
    const created = await stack.api('POST', '/webhooks', { url: 'https://93.184.216.34/x', events: ['user.created'], name: 'vault' });
    const secret: string = created.body.secret;
    const rotated: string = (await stack.api('POST', `/webhooks/${created.body.id}/secret/rotate`)).body.secret;
    const raw = JSON.stringify(await stack.system.db.raw('SELECT * FROM webhooks'));
    for (const s of [secret, rotated]) {
      assert.ok(!raw.includes(s.slice(4, 24)), 'secret material is not stored in clear');
    }
    const keys = JSON.stringify(await stack.system.db.raw('SELECT * FROM api_keys'));
    assert.ok(!keys.includes(stack.apiKey.slice(3, 30)), 'API keys are stored hashed');
  });
});

describe('security: signatures, redirects and logs', function () {
  const logFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'continuum-logs-')), 'run.log');
  const ctx = useTestStack({ LOG_LEVEL: 'debug' }, ['api', 'worker'], { logFile: () => logFile });
  let stack: TestSystem;
  let receiver: Receiver;
  before(function () {
    ({ stack, receiver } = ctx);
  });

  async function deliver(webhookId: string): Promise<Vector & { headers: Record<string, string> }> {
    const before = receiver.requests.length;
    await stack.api('POST', `/webhooks/${webhookId}/test`);
    const request = (await receiver.waitForRequests(before + 1))[before];
    const headers = request.headers as Record<string, string>;
    return { body: request.body, timestamp: headers['x-continuum-timestamp'], signature: headers['x-continuum-signature'], secret: '', headers };
  }

  it('does not follow a redirect to a private address', async function () {
    const target = await connectionCounter();
    try {
      receiver.respond = () => ({ status: 302, headers: { location: `http://127.0.0.1:${target.port}/internal` } });
      const webhook = (await stack.api('POST', '/webhooks', { url: receiver.url, events: ['user.created'], name: 'redirect' })).body;
      const tested = await stack.api('POST', `/webhooks/${webhook.id}/test`);
      assert.deepEqual([tested.body.success, tested.body.status_code, tested.body.error], [false, 302, 'HTTP 302']);
      assert.equal(target.count(), 0, 'the redirect target was never contacted');
      await stack.api('DELETE', `/webhooks/${webhook.id}`);
    } finally {
      receiver.respond = () => ({ status: 200 });
      target.server.close();
    }
  });

  it('signatures from the real delivery path verify in Python, JS, Go and Standard Webhooks; tampering fails', async function () {
    const webhook = (await stack.api('POST', '/webhooks', { url: receiver.url, events: ['user.created'], name: 'vectors' })).body;
    const vector = { ...(await deliver(webhook.id)), secret: webhook.secret as string };
    const tampered = [
      { ...vector, body: vector.body.replace('test event', 'test evenT') },
      { ...vector, secret: generateWebhookSecret() },
      { ...vector, timestamp: String(Number(vector.timestamp) - 301) },
    ];
    for (const language of Object.keys(VERIFIERS)) {
      assert.equal(await verifyWith(language, vector), true, `${language} accepts the real signature`);
      for (const bad of tampered) assert.equal(await verifyWith(language, bad), false, `${language} rejects a tampered vector`);
    }
    const standard = new Webhook(`whsec_${vector.secret.slice(4)}`);
    const trio = { 'webhook-id': vector.headers['webhook-id'], 'webhook-timestamp': vector.headers['webhook-timestamp'], 'webhook-signature': vector.headers['webhook-signature'] };
    assert.deepEqual(standard.verify(vector.body, trio), JSON.parse(vector.body));
    assert.throws(() => standard.verify(tampered[0].body, trio));
  });

  it('rotation: either secret verifies during the overlap, only the new one after it', async function () {
    const webhook = (await stack.api('POST', '/webhooks', { url: receiver.url, events: ['user.created'], name: 'rotation' })).body;
    const rotated = (await stack.api('POST', `/webhooks/${webhook.id}/secret/rotate`)).body.secret as string;
    const during = await deliver(webhook.id);
    for (const secret of [webhook.secret, rotated]) {
      for (const language of Object.keys(VERIFIERS)) assert.equal(await verifyWith(language, { ...during, secret }), true, `${language} during overlap`);
      assert.ok(new Webhook(`whsec_${secret.slice(4)}`).verify(during.body, {
        'webhook-id': during.headers['webhook-id'], 'webhook-timestamp': during.headers['webhook-timestamp'], 'webhook-signature': during.headers['webhook-signature'],
      }));
    }
    // End the overlap as 24 hours would.
    await stack.system.db('webhooks').where({ id: webhook.id }).update({ previous_secret_expires_at: new Date(Date.now() - 1000) });
    const after = await deliver(webhook.id);
    assert.equal(after.signature.split(' ').length, 1);
    for (const language of Object.keys(VERIFIERS)) {
      assert.equal(await verifyWith(language, { ...after, secret: rotated }), true, `${language}: new secret after overlap`);
      assert.equal(await verifyWith(language, { ...after, secret: webhook.secret }), false, `${language}: old secret after overlap`);
    }
  });

  it('the examples that need third-party packages at least compile', async function () {
    const { execFile } = await import('node:child_process');
    const check = (cmd: string, args: string[]) => new Promise<void>((resolve, reject) => execFile(cmd, args, (err) => (err ? reject(err) : resolve())));
    await check(process.execPath, ['--check', path.resolve(__dirname, '../../../examples/express_receiver.js')]);
    await check('python3', ['-m', 'py_compile', path.resolve(__dirname, '../../../examples/fastapi_receiver.py')]);
  });

  it('logs of the whole run contain no secret and no API key', async function () {
    const webhook = (await stack.api('POST', '/webhooks', { url: receiver.url, events: ['user.created'], name: 'logs' })).body;
    const rotated = (await stack.api('POST', `/webhooks/${webhook.id}/secret/rotate`)).body.secret;
    await stack.api('GET', '/webhooks', undefined, { key: `${stack.apiKey}x` });
    await deliver(webhook.id);
    const log = await readFile(logFile, 'utf8');
    assert.ok(log.split('\n').filter(Boolean).length > 10, 'the run did log');
    for (const secret of [stack.apiKey, webhook.secret, rotated, stack.env.CONTINUUM_SECRET_KEY]) {
      assert.ok(!log.includes(secret.slice(4, 28)), 'no secret material in the logs');
    }
  });
});
