import assert from 'node:assert/strict';
import { createApiKey } from '../../src/db/repositories/apiKeys';
import { createTestDatabase } from '../helpers/infra';
import { startTestSystem, type ApiResponse, type TestSystem } from '../helpers/system';
import { tableCounts } from '../helpers/rows';

describe('bad input: clear 4xx errors, nothing written', function () {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let stack: TestSystem;
  let webhookId: string;
  let otherTenantKey: string;

  before(async function () {
    database = await createTestDatabase();
    stack = await startTestSystem(database.url, {}, ['api']);
    const created = await stack.api('POST', '/webhooks', { url: 'http://127.0.0.1:9999/hook', events: ['memory.created'], name: 'mine' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    webhookId = created.body.id;
    otherTenantKey = (await createApiKey(stack.system.db, { tenantId: 'tenant_b' })).key;
  });

  after(async function () {
    await stack?.stop();
    await database?.drop();
  });

  const rowCounts = () => tableCounts(stack.system.db);

  function assertError(response: ApiResponse, status: number, code: string): void {
    assert.equal(response.status, status, JSON.stringify(response.body));
    assert.deepEqual(Object.keys(response.body), ['error']);
    assert.deepEqual(Object.keys(response.body.error).sort(), ['code', 'details', 'message']);
    assert.equal(response.body.error.code, code);
    assert.equal(typeof response.body.error.message, 'string');
    assert.doesNotMatch(JSON.stringify(response.body), /\bat .+\.js:\d+/, 'no stack trace');
  }

  const validWebhook = { url: 'http://127.0.0.1:9999/hook', events: ['memory.created'], name: 'x' };
  const cases: Array<{ name: string; call: (s: TestSystem) => Promise<ApiResponse>; status: number; code: string; field?: string }> = [
    { name: 'missing API key', status: 401, code: 'unauthorized', call: (s) => s.api('POST', '/webhooks', validWebhook, { key: null }) },
    { name: 'invalid API key', status: 401, code: 'unauthorized', call: (s) => s.api('POST', '/events', { event: 'user.created', data: { user_id: 'u1' } }, { key: 'ck_not_a_real_key_at_all_0000' }) },
    { name: 'unknown event type (publish)', status: 400, code: 'validation_error', field: 'body.event', call: (s) => s.api('POST', '/events', { event: 'memory.exploded', data: {} }) },
    { name: 'unknown event type (subscribe)', status: 400, code: 'validation_error', field: 'body.events.0', call: (s) => s.api('POST', '/webhooks', { ...validWebhook, events: ['nope.nope'] }) },
    { name: 'data missing a required field', status: 400, code: 'validation_error', field: 'body.data.memory_id', call: (s) => s.api('POST', '/events', { event: 'memory.created', data: { importance: 0.5 } }) },
    { name: 'data with a wrong type', status: 400, code: 'validation_error', field: 'body.data.importance', call: (s) => s.api('POST', '/events', { event: 'memory.created', data: { memory_id: 'm', importance: 'high' } }) },
    { name: 'unknown field', status: 400, code: 'validation_error', call: (s) => s.api('POST', '/webhooks', { ...validWebhook, colour: 'red' }) },
    { name: 'invalid JSON', status: 400, code: 'invalid_json', call: (s) => s.api('POST', '/events', undefined, { rawBody: '{"event": "user.created", "data": {' }) },
    { name: 'JSON that is not an object', status: 400, code: 'invalid_json', call: (s) => s.api('POST', '/events', undefined, { rawBody: '"just a string"' }) },
    { name: 'body over 256 KiB', status: 413, code: 'payload_too_large', call: (s) => s.api('POST', '/events', { event: 'user.created', data: { blob: 'x'.repeat(256 * 1024) } }) },
    { name: 'not JSON at all', status: 415, code: 'unsupported_media_type', call: (s) => s.api('POST', '/webhooks', undefined, { rawBody: 'url=http://x', contentType: 'application/x-www-form-urlencoded' }) },
    { name: 'non-URL', status: 400, code: 'validation_error', field: 'body.url', call: (s) => s.api('POST', '/webhooks', { ...validWebhook, url: 'not a url' }) },
    { name: 'URL with credentials', status: 400, code: 'validation_error', field: 'body.url', call: (s) => s.api('POST', '/webhooks', { ...validWebhook, url: 'http://user:pw@127.0.0.1:9000/' }) },
    { name: 'missing name', status: 400, code: 'validation_error', field: 'body.name', call: (s) => s.api('POST', '/webhooks', { url: validWebhook.url, events: validWebhook.events }) },
    { name: 'max_concurrency above the limit', status: 400, code: 'validation_error', field: 'body.max_concurrency', call: (s) => s.api('POST', '/webhooks', { ...validWebhook, max_concurrency: 11 }) },
    { name: 'unknown webhook id', status: 404, code: 'not_found', call: (s) => s.api('GET', '/webhooks/wh_doesnotexist') },
    { name: "another tenant's webhook id", status: 404, code: 'not_found', call: (s) => s.api('GET', `/webhooks/${webhookId}`, undefined, { key: otherTenantKey }) },
    { name: 'unknown event id', status: 404, code: 'not_found', call: (s) => s.api('GET', '/events/evt_doesnotexist') },
    { name: 'unknown route', status: 404, code: 'not_found', call: (s) => s.api('GET', '/nothing-here') },
  ];

  for (const testCase of cases) {
    it(`${testCase.name} → ${testCase.status} ${testCase.code}`, async function () {
      const before = await rowCounts();
      const response = await testCase.call(stack);
      assertError(response, testCase.status, testCase.code);
      if (testCase.field) {
        const fields = (response.body.error.details as Array<{ field: string }>).map((d) => d.field);
        assert.ok(fields.includes(testCase.field), `details name ${testCase.field}: ${JSON.stringify(fields)}`);
      }
      assert.deepEqual(await rowCounts(), before, 'no row written');
    });
  }

  it("another tenant sees neither the webhook in its list nor can publish to it", async function () {
    const list = await stack.api('GET', '/webhooks', undefined, { key: otherTenantKey });
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.data, []);
    const published = await stack.api('POST', '/events', { event: 'memory.created', data: { memory_id: 'm1' } }, { key: otherTenantKey });
    assert.equal(published.status, 202);
    assert.deepEqual(published.body.delivery_ids, [], "tenant B's event does not reach tenant A's webhook");
  });
});
