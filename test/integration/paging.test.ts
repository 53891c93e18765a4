import assert from 'node:assert/strict';
import { ApiError, createClient } from '../../src/client';
import { createApiKey } from '../../src/db/repositories/apiKeys';
import { newId } from '../../src/db/ids';
import { rawRequest, type RawResponse } from '../helpers/rawHttp';
import { tableCounts } from '../helpers/rows';
import { useTestStack, type ApiResponse, type TestSystem } from '../helpers/system';

interface ListRoute {
  name: string;
  /** Path and the route's own filter, without paging. */
  path: () => string;
  maxLimit: number;
  /** Who asks: the bootstrap key unless given. */
  key?: () => string;
  /** Every id the list holds, in the order it answers them (newest first). */
  expected: () => string[];
}

const ids = { webhooks: [] as string[], active: [] as string[], scoped: [] as string[], deliveries: [] as string[], deadLettered: [] as string[] };
let target = '';
let portalToken = '';

const ROUTES: ListRoute[] = [
  { name: 'GET /webhooks', path: () => '/webhooks', maxLimit: 100, expected: () => ids.webhooks },
  { name: 'GET /webhooks?active_only=true', path: () => '/webhooks?active_only=true', maxLimit: 100, expected: () => ids.active },
  { name: 'GET /webhooks with a portal token scoped to 5', path: () => '/webhooks', maxLimit: 100, key: () => portalToken, expected: () => ids.scoped },
  { name: 'GET /webhooks/{id}/deliveries', path: () => `/webhooks/${target}/deliveries`, maxLimit: 1000, expected: () => ids.deliveries },
  { name: 'GET /webhooks/{id}/deliveries?status=dead_lettered', path: () => `/webhooks/${target}/deliveries?status=dead_lettered`, maxLimit: 1000, expected: () => ids.deadLettered },
];

/** Valid pages, for a list of n items whose limit may reach max: the query, and the [limit, offset] the answer must carry. */
const PAGES: Array<{ name: string; query: (n: number, max: number) => string; page: (n: number, max: number) => [number, number] }> = [
  { name: 'no paging parameters: the default page', query: () => '', page: (_, max) => [Math.min(100, max), 0] },
  { name: 'first page', query: () => 'limit=2', page: () => [2, 0] },
  { name: 'a middle page', query: () => 'limit=2&offset=2', page: () => [2, 2] },
  { name: 'the last page, partly filled', query: (n) => `limit=2&offset=${n - 1}`, page: (n) => [2, n - 1] },
  { name: 'offset at the end: empty', query: (n) => `offset=${n}`, page: (n, max) => [Math.min(100, max), n] },
  { name: 'offset past the end: empty, same total', query: () => 'limit=5&offset=1000', page: () => [5, 1000] },
  { name: 'the largest offset', query: () => 'offset=1000000000', page: (_, max) => [Math.min(100, max), 1_000_000_000] },
  { name: 'the largest limit', query: (_, max) => `limit=${max}`, page: (_, max) => [max, 0] },
  { name: 'leading zeros are decimal', query: () => 'limit=003&offset=01', page: () => [3, 1] },
];

/** Refused values: the query, and the fields the 400 must name. */
const BAD = (max: number): Array<[string, string[]]> => [
  ['limit=0', ['query.limit']], ['limit=-1', ['query.limit']], [`limit=${max + 1}`, ['query.limit']], ['limit=1e9', ['query.limit']],
  ['limit=1000000000', ['query.limit']], ['limit=abc', ['query.limit']], ['limit=1.5', ['query.limit']], ['limit=', ['query.limit']],
  ['limit=%205', ['query.limit']], ['limit=1&limit=2', ['query.limit']], ['offset=-1', ['query.offset']], ['offset=abc', ['query.offset']],
  ['offset=1.5', ['query.offset']], ['offset=', ['query.offset']], ['offset=1e9', ['query.offset']], ['offset=1000000001', ['query.offset']],
  ['limit=0&offset=-1', ['query.limit', 'query.offset']],
];

const withQuery = (path: string, query: string) => (query ? `${path}${path.includes('?') ? '&' : '?'}${query}` : path);

describe('paging of every list route, and one Authorization header per request', function () {
  const ctx = useTestStack();
  let stack: TestSystem;
  const list = (route: ListRoute, query: string) => stack.api('GET', withQuery(route.path(), query), undefined, { key: route.key?.() });
  const rows = async () => ({ counts: await tableCounts(stack.system.db), webhooks: await stack.system.db('webhooks').orderBy('id') });

  before(async function () {
    stack = ctx.stack;
    const register = async (i: number, key?: string) => {
      const created = await stack.api('POST', '/webhooks', { url: ctx.receiver.url, events: ['memory.created'], name: `paging ${i}`, active: i % 3 !== 1 }, { key });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return created.body as { id: string; active: boolean };
    };
    // Another tenant's webhooks and a deleted one are never listed nor counted.
    const otherKey = (await createApiKey(stack.system.db, { tenantId: 'tenant_b' })).key;
    await register(100, otherKey);
    const deleted = await register(101);
    assert.equal((await stack.api('DELETE', `/webhooks/${deleted.id}`)).status, 204);
    const created = [];
    for (let i = 0; i < 7; i++) created.push(await register(i));
    const newestFirst = created.reverse();
    ids.webhooks = newestFirst.map((w) => w.id);
    ids.active = newestFirst.filter((w) => w.active).map((w) => w.id);
    const scope = ids.webhooks.filter((_, i) => i !== 1 && i !== 4);
    const portal = await stack.api('POST', '/portal/sessions', { webhook_ids: scope });
    assert.equal(portal.status, 201, JSON.stringify(portal.body));
    portalToken = portal.body.token;
    ids.scoped = scope;

    // Finished deliveries written directly (no workflow runs, nothing changes in the background),
    // a second apart; two more to another webhook that its list must not count.
    target = ids.webhooks[0];
    const eventId = newId('evt');
    await stack.system.db('events').insert({ id: eventId, tenant_id: 'tenant_a', type: 'memory.created', payload: {}, body: '{}' });
    const start = Date.now() - 3_600_000;
    const deliveries = Array.from({ length: 13 }, (_, i) => ({
      id: newId('del'), tenant_id: 'tenant_a', webhook_id: i < 11 ? target : ids.webhooks[1], event_id: eventId,
      status: i % 2 === 0 ? 'dead_lettered' : 'succeeded', attempt_count: 1, created_at: new Date(start + i * 1000),
      workflow_started_at: new Date(start + i * 1000), completed_at: new Date(start + i * 1000),
    }));
    await stack.system.db('deliveries').insert(deliveries);
    const mine = deliveries.filter((d) => d.webhook_id === target).reverse();
    ids.deliveries = mine.map((d) => d.id);
    ids.deadLettered = mine.filter((d) => d.status === 'dead_lettered').map((d) => d.id);
    // Every list holds more than two pages of two, so "a middle page" is one.
    for (const route of ROUTES) assert.ok(route.expected().length >= 5, route.name);
  });

  function assertPage(response: ApiResponse, route: ListRoute, limit: number, offset: number): void {
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.deepEqual(Object.keys(response.body).sort(), ['data', 'limit', 'offset', 'total']);
    assert.deepEqual([response.body.total, response.body.limit, response.body.offset], [route.expected().length, limit, offset]);
    assert.deepEqual(response.body.data.map((item: { id: string }) => item.id), route.expected().slice(offset, offset + limit));
  }

  for (const route of ROUTES) {
    describe(route.name, function () {
      for (const testCase of PAGES) {
        it(testCase.name, async function () {
          const n = route.expected().length;
          const [limit, offset] = testCase.page(n, route.maxLimit);
          assertPage(await list(route, testCase.query(n, route.maxLimit)), route, limit, offset);
        });
      }

      it('walking the pages with limits 1, 2, 4 and the largest visits every item once, in order', async function () {
        for (const limit of [1, 2, 4, route.maxLimit]) {
          const seen: string[] = [];
          let pages = 0;
          for (let offset = 0; ; offset += limit) {
            const response = await list(route, `limit=${limit}&offset=${offset}`);
            assertPage(response, route, limit, offset);
            if (response.body.data.length === 0) break;
            seen.push(...response.body.data.map((item: { id: string }) => item.id));
            pages += 1;
          }
          assert.deepEqual(seen, route.expected(), `limit ${limit}: no gap, no overlap`);
          assert.equal(pages, Math.ceil(route.expected().length / limit));
        }
      });

      for (const [query, fields] of BAD(route.maxLimit)) {
        it(`${query || 'empty'} → 400 validation_error naming ${fields.join(', ')}, nothing changed`, async function () {
          const before = await rows();
          const response = await list(route, query);
          assert.equal(response.status, 400, JSON.stringify(response.body));
          assert.deepEqual(Object.keys(response.body), ['error']);
          assert.deepEqual(Object.keys(response.body.error).sort(), ['code', 'details', 'message']);
          assert.equal(response.body.error.code, 'validation_error');
          const named = (response.body.error.details as Array<{ field: string; message: string }>).map((d) => d.field);
          assert.deepEqual([...new Set(named)].sort(), fields);
          assert.deepEqual(await rows(), before);
        });
      }
    });
  }

  it('the typed client pages the webhook list and reports a refused limit as a field error', async function () {
    const client = createClient({ baseUrl: stack.system.apiUrl as string, apiKey: stack.apiKey });
    const page = await client.webhooks.list({ limit: 2, offset: 1 });
    assert.deepEqual([page.data.map((w) => w.id), page.total, page.limit, page.offset], [ids.webhooks.slice(1, 3), ids.webhooks.length, 2, 1]);
    const deliveries = await client.webhooks.deliveries(target, { limit: 4, offset: 8 });
    assert.deepEqual([deliveries.data.map((d) => d.id), deliveries.total], [ids.deliveries.slice(8, 12), ids.deliveries.length]);
    const refused = await client.webhooks.list({ limit: 0 }).then(() => null, (err: unknown) => err);
    assert.ok(refused instanceof ApiError, String(refused));
    assert.deepEqual([refused.status, refused.code, Object.keys(refused.fieldErrors())], [400, 'validation_error', ['query.limit']]);
  });

  it('the OpenAPI document describes limit and offset on both lists and the page fields of both answers', async function () {
    const doc = (await stack.api('GET', '/openapi.json', undefined, { key: null })).body;
    for (const [path, max, body] of [['/api/v1/webhooks', 100, 'WebhookList'], ['/api/v1/webhooks/{webhookId}/deliveries', 1000, 'DeliveryList']] as const) {
      const params = doc.paths[path].get.parameters as Array<{ name: string; in: string; required: boolean; schema: { description?: string } }>;
      const limit = params.find((p) => p.name === 'limit' && p.in === 'query');
      const offset = params.find((p) => p.name === 'offset' && p.in === 'query');
      assert.ok(limit && offset, `${path}: ${JSON.stringify(params)}`);
      assert.deepEqual([limit.required, offset.required], [false, false]);
      assert.match(limit.schema.description ?? '', new RegExp(`from 1 to ${max}, default 100`));
      assert.deepEqual([...doc.components.schemas[body].required].sort(), ['data', 'limit', 'offset', 'total']);
    }
  });

  describe('two Authorization headers: 400 bad_request before anything is looked up or changed', function () {
    const send = (method: string, path: string, keys: string[], body?: unknown) => rawRequest(stack.system.apiUrl as string, method, `/api/v1${path}`, {
      authorization: keys.map((key) => `Bearer ${key}`), ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    }, body === undefined ? undefined : JSON.stringify(body));
    const newHook = () => ({ url: ctx.receiver.url, events: ['memory.created'], name: 'twice' });
    const CASES: Array<{ name: string; send: () => Promise<RawResponse> }> = [
      { name: 'GET /webhooks, the same key twice', send: () => send('GET', '/webhooks', [stack.apiKey, stack.apiKey]) },
      { name: 'GET /webhooks, a key and a portal token', send: () => send('GET', '/webhooks', [stack.apiKey, portalToken]) },
      { name: 'GET /webhooks, an unknown key after a valid one', send: () => send('GET', '/webhooks', [stack.apiKey, 'ck_unknown']) },
      { name: 'GET deliveries with a refused limit too', send: () => send('GET', `/webhooks/${target}/deliveries?limit=0`, [stack.apiKey, stack.apiKey]) },
      { name: 'POST /webhooks', send: () => send('POST', '/webhooks', [stack.apiKey, stack.apiKey], newHook()) },
      { name: 'PATCH /webhooks/{id}', send: () => send('PATCH', `/webhooks/${target}`, [stack.apiKey, stack.apiKey], { name: 'renamed' }) },
      { name: 'DELETE /webhooks/{id}', send: () => send('DELETE', `/webhooks/${target}`, [portalToken, stack.apiKey]) },
      { name: 'POST /events', send: () => send('POST', '/events', [stack.apiKey, stack.apiKey], { event: 'memory.created', data: { memory_id: 'm' } }) },
    ];

    it('one Authorization header, sent the same way, is served (the harness sends what it says)', async function () {
      const response = await send('GET', '/webhooks?limit=1', [stack.apiKey]);
      assert.equal(response.status, 200, response.text);
      assert.deepEqual([response.body.total, response.body.data[0].id], [ids.webhooks.length, ids.webhooks[0]]);
    });

    for (const testCase of CASES) {
      it(`${testCase.name} → 400 bad_request, nothing changed`, async function () {
        const before = await rows();
        const response = await testCase.send();
        assert.equal(response.status, 400, response.text);
        assert.deepEqual(response.body, { error: { code: 'bad_request', message: 'send one Authorization header, not several', details: null } });
        assert.deepEqual(await rows(), before);
      });
    }
  });
});
