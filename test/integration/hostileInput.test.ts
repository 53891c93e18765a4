import assert from 'node:assert/strict';
import { newId } from '../../src/db/ids';
import { createTestDatabase } from '../helpers/infra';
import { rawRequest, rawSocketRequest, type RawResponse } from '../helpers/rawHttp';
import { startTestSystem, type TestSystem } from '../helpers/system';
import { tableCounts } from '../helpers/rows';

interface Ids {
  webhookId: string;
  deliveryId: string;
  eventId: string;
}

interface HostileCase {
  name: string;
  status: number;
  code: string;
  /** A field the error details must name (a prefix is enough for quoted keys). */
  field?: string;
  /** Methods the Allow header of a 405 must list. */
  allow?: string[];
  send: (call: Caller, ids: Ids) => Promise<RawResponse>;
}

type Caller = (method: string, path: string, body?: string | Buffer, headers?: Record<string, string>) => Promise<RawResponse>;

const json = (value: unknown) => JSON.stringify(value);
const deep = (levels: number) => `{"event":"user.created","data":{"user_id":"u1","x":${'['.repeat(levels)}${']'.repeat(levels)}}}`;
// Subscribed to another type than the events published here: no delivery starts, so nothing
// writes rows in the background while counts are compared.
const hook = { url: 'http://127.0.0.1:9999/hook', events: ['sync.completed'], name: 'hostile' };
const event = (data: unknown, extra: object = {}) => json({ event: 'user.created', data, ...extra });
const longId = `wh_${'a'.repeat(10_000)}`;

// Every input the hardening issue found answering 500 or stored when it should not have been,
// and more of the same families. None may answer 5xx, and none may write a row.
const CASES: HostileCase[] = [
  // NUL and lone surrogates in any string, named by field
  { name: 'NUL in a webhook name', status: 400, code: 'validation_error', field: 'body.name', send: (c) => c('POST', '/webhooks', json({ ...hook, name: 'a\u0000b' })) },
  { name: 'NUL in a webhook description', status: 400, code: 'validation_error', field: 'body.description', send: (c) => c('POST', '/webhooks', json({ ...hook, description: '\u0000' })) },
  { name: 'NUL in a renamed webhook (PATCH)', status: 400, code: 'validation_error', field: 'body.name', send: (c, ids) => c('PATCH', `/webhooks/${ids.webhookId}`, json({ name: 'x\u0000' })) },
  { name: 'NUL in an event data value', status: 400, code: 'validation_error', field: 'body.data.note', send: (c) => c('POST', '/events', event({ note: 'a\u0000b' })) },
  { name: 'NUL in an event data key', status: 400, code: 'validation_error', field: 'body.data."a\\u0000b"', send: (c) => c('POST', '/events', event({ 'a\u0000b': 1 })) },
  { name: 'NUL deep in nested arrays', status: 400, code: 'validation_error', field: 'body.data.list.0.1', send: (c) => c('POST', '/events', event({ list: [['ok', '\u0000']] })) },
  { name: 'NUL in idempotency_key', status: 400, code: 'validation_error', field: 'body.idempotency_key', send: (c) => c('POST', '/events', event({}, { idempotency_key: 'k\u0000' })) },
  { name: 'lone low surrogate in event data', status: 400, code: 'validation_error', field: 'body.data.note', send: (c) => c('POST', '/events', event({ note: '\udc00' })) },
  { name: 'lone high surrogate in an event data key', status: 400, code: 'validation_error', field: 'body.data."\\ud800"', send: (c) => c('POST', '/events', event({ '\ud800': 1 })) },
  { name: 'lone surrogate in a webhook name', status: 400, code: 'validation_error', field: 'body.name', send: (c) => c('POST', '/webhooks', json({ ...hook, name: 'x\udfff' })) },
  { name: 'NUL in an event type', status: 400, code: 'validation_error', field: 'body.event', send: (c) => c('POST', '/events', json({ event: 'user.created\u0000', data: {} })) },
  { name: 'NUL in a URL', status: 400, code: 'validation_error', field: 'body.url', send: (c) => c('POST', '/webhooks', json({ ...hook, url: 'http://127.0.0.1:9999/a\u0000' })) },
  { name: '%00 in a URL', status: 400, code: 'validation_error', field: 'body.url', send: (c) => c('POST', '/webhooks', json({ ...hook, url: 'http://127.0.0.1:9999/a%00b' })) },
  { name: '%0d%0a in a URL (PATCH)', status: 400, code: 'validation_error', field: 'body.url', send: (c, ids) => c('PATCH', `/webhooks/${ids.webhookId}`, json({ url: 'http://127.0.0.1:9999/?a=%0d%0aX-Evil:1' })) },
  // ids checked by shape before any query
  { name: '%00 as a webhook id (GET)', status: 404, code: 'not_found', send: (c) => c('GET', '/webhooks/%00') },
  { name: '%00 as a webhook id (DELETE)', status: 404, code: 'not_found', send: (c) => c('DELETE', '/webhooks/%00') },
  { name: '%00 as a webhook id (PATCH)', status: 404, code: 'not_found', send: (c) => c('PATCH', '/webhooks/%00', json({ name: 'x' })) },
  { name: '%00 as a webhook id (test)', status: 404, code: 'not_found', send: (c) => c('POST', '/webhooks/wh_%00/test') },
  { name: '%00 as a webhook id (stats)', status: 404, code: 'not_found', send: (c) => c('GET', '/webhooks/%00/stats') },
  { name: '%00 as an event id', status: 404, code: 'not_found', send: (c) => c('GET', '/events/%00') },
  { name: '%00 as a delivery id (GET)', status: 404, code: 'not_found', send: (c, ids) => c('GET', `/webhooks/${ids.webhookId}/deliveries/%00`) },
  { name: '%00 as a delivery id (retry)', status: 404, code: 'not_found', send: (c, ids) => c('POST', `/webhooks/${ids.webhookId}/retry/%00`) },
  { name: 'invalid UTF-8 in an id', status: 404, code: 'not_found', send: (c) => c('GET', '/webhooks/wh_%ED%B0%80') },
  { name: 'a 10 000-character id', status: 404, code: 'not_found', send: (c) => c('GET', `/webhooks/${longId}`) },
  { name: 'an event id given as a webhook id', status: 404, code: 'not_found', send: (c, ids) => c('GET', `/webhooks/${ids.eventId}`) },
  { name: 'a webhook id given as a delivery id', status: 404, code: 'not_found', send: (c, ids) => c('POST', `/webhooks/${ids.webhookId}/retry/${ids.webhookId}`) },
  // depth, duplicates, numbers
  { name: 'data nested 20 000 levels', status: 400, code: 'validation_error', field: 'body', send: (c) => c('POST', '/events', deep(20_000)) },
  { name: 'a body nested 33 levels', status: 400, code: 'validation_error', field: 'body', send: (c) => c('POST', '/events', deep(31)) },
  { name: 'a webhook body nested 40 levels', status: 400, code: 'validation_error', field: 'body', send: (c) => c('POST', '/webhooks', `{"name":${'['.repeat(40)}${']'.repeat(40)}}`) },
  { name: 'duplicate key in data', status: 400, code: 'validation_error', field: 'body.data.a', send: (c) => c('POST', '/events', '{"event":"user.created","data":{"a":1,"a":2}}') },
  { name: 'duplicate top-level key', status: 400, code: 'validation_error', field: 'body.event', send: (c) => c('POST', '/events', '{"event":"user.created","event":"sync.failed","data":{}}') },
  { name: '1e400', status: 400, code: 'validation_error', field: 'body.data.n', send: (c) => c('POST', '/events', '{"event":"user.created","data":{"n":1e400}}') },
  { name: '-1e400', status: 400, code: 'validation_error', field: 'body.data.n', send: (c) => c('POST', '/events', '{"event":"user.created","data":{"n":-1e400}}') },
  { name: '1e-400 (would become 0)', status: 400, code: 'validation_error', field: 'body.data.n', send: (c) => c('POST', '/events', '{"event":"user.created","data":{"n":1e-400}}') },
  { name: '12345678901234567890123', status: 400, code: 'validation_error', field: 'body.data.n', send: (c) => c('POST', '/events', '{"event":"user.created","data":{"n":12345678901234567890123}}') },
  { name: '2^53 + 1', status: 400, code: 'validation_error', field: 'body.data.n.0', send: (c) => c('POST', '/events', '{"event":"user.created","data":{"n":[9007199254740993]}}') },
  { name: '0.1000000000000000055511151231257827 (more digits than a double)', status: 400, code: 'validation_error', field: 'body.data.n', send: (c) => c('POST', '/events', '{"event":"user.created","data":{"n":0.1000000000000000055511151231257827}}') },
  { name: 'a number too big for max_concurrency', status: 400, code: 'validation_error', field: 'body.max_concurrency', send: (c) => c('POST', '/webhooks', '{"url":"http://127.0.0.1:9999/h","events":["user.created"],"name":"n","max_concurrency":1e400}') },
  // encodings and media types
  { name: 'invalid UTF-8 bytes in the body', status: 400, code: 'invalid_encoding', send: (c) => c('POST', '/events', Buffer.from('{"event":"user.created","data":{"a":"caf\xe9"}}', 'latin1')) },
  { name: 'a truncated UTF-8 sequence', status: 400, code: 'invalid_encoding', send: (c) => c('POST', '/webhooks', Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xe2, 0x82]), Buffer.from('"}')])) },
  { name: 'UTF-8-encoded surrogate (CESU)', status: 400, code: 'invalid_encoding', send: (c) => c('POST', '/events', Buffer.concat([Buffer.from('{"event":"user.created","data":{"a":"'), Buffer.from([0xed, 0xb0, 0x80]), Buffer.from('"}}')])) },
  { name: 'charset=latin1', status: 415, code: 'unsupported_media_type', send: (c) => c('POST', '/events', event({}), { 'content-type': 'application/json; charset=latin1' }) },
  { name: 'charset=utf-16', status: 415, code: 'unsupported_media_type', send: (c) => c('POST', '/events', event({}), { 'content-type': 'application/json; charset=utf-16' }) },
  { name: 'Content-Encoding: gzip', status: 415, code: 'unsupported_media_type', send: (c) => c('POST', '/events', event({}), { 'content-encoding': 'gzip' }) },
  { name: 'text/plain', status: 415, code: 'unsupported_media_type', send: (c) => c('POST', '/events', event({}), { 'content-type': 'text/plain' }) },
  { name: 'a JSON array body', status: 400, code: 'invalid_json', send: (c) => c('POST', '/events', '[]') },
  { name: 'a JSON null body', status: 400, code: 'invalid_json', send: (c) => c('POST', '/webhooks', 'null') },
  { name: 'JSON with a trailing comma', status: 400, code: 'invalid_json', send: (c) => c('POST', '/events', '{"event":"user.created","data":{},}') },
  { name: 'JSON with a comment', status: 400, code: 'invalid_json', send: (c) => c('POST', '/events', '{"event":"user.created",/* c */"data":{}}') },
  // query integers: plain decimal digits only
  { name: 'limit=0x10', status: 400, code: 'validation_error', field: 'query.limit', send: (c, ids) => c('GET', `/webhooks/${ids.webhookId}/deliveries?limit=0x10`) },
  { name: 'limit=1e2', status: 400, code: 'validation_error', field: 'query.limit', send: (c, ids) => c('GET', `/webhooks/${ids.webhookId}/deliveries?limit=1e2`) },
  { name: 'limit=%205', status: 400, code: 'validation_error', field: 'query.limit', send: (c, ids) => c('GET', `/webhooks/${ids.webhookId}/deliveries?limit=%205`) },
  { name: 'limit given twice', status: 400, code: 'validation_error', field: 'query.limit', send: (c, ids) => c('GET', `/webhooks/${ids.webhookId}/deliveries?limit=1&limit=2`) },
  { name: 'offset=1.5', status: 400, code: 'validation_error', field: 'query.offset', send: (c, ids) => c('GET', `/webhooks/${ids.webhookId}/deliveries?offset=1.5`) },
  { name: 'offset=99999999999', status: 400, code: 'validation_error', field: 'query.offset', send: (c, ids) => c('GET', `/webhooks/${ids.webhookId}/deliveries?offset=99999999999`) },
  // HTTP edges
  { name: 'a 16 KiB Authorization header', status: 431, code: 'request_header_too_large', send: (c) => c('GET', '/webhooks', undefined, { authorization: `Bearer ck_${'x'.repeat(16 * 1024)}` }) },
  { name: 'PUT on a collection', status: 405, code: 'method_not_allowed', allow: ['GET', 'POST'], send: (c) => c('PUT', '/webhooks', json(hook)) },
  { name: 'PUT on a webhook', status: 405, code: 'method_not_allowed', allow: ['DELETE', 'GET', 'PATCH'], send: (c, ids) => c('PUT', `/webhooks/${ids.webhookId}`, json(hook)) },
  { name: 'TRACE on a webhook', status: 405, code: 'method_not_allowed', allow: ['GET'], send: (c, ids) => c('TRACE', `/webhooks/${ids.webhookId}`) },
  { name: 'OPTIONS on /events', status: 405, code: 'method_not_allowed', allow: ['POST'], send: (c) => c('OPTIONS', '/events') },
  { name: 'DELETE on an event', status: 405, code: 'method_not_allowed', allow: ['GET'], send: (c, ids) => c('DELETE', `/events/${ids.eventId}`) },
  { name: 'PUT on health, without a key', status: 405, code: 'method_not_allowed', allow: ['GET'], send: (c) => c('PUT', '/webhooks/health', undefined, { authorization: '' }) },
  { name: 'GET on retry', status: 405, code: 'method_not_allowed', allow: ['POST'], send: (c, ids) => c('GET', `/webhooks/${ids.webhookId}/retry/${ids.deliveryId}`) },
  { name: 'a 3 000-character unknown path', status: 404, code: 'not_found', send: (c) => c('GET', `/${'z'.repeat(3000)}`) },
];

describe('hostile input: a 4xx with the error body, never a 5xx, nothing written', function () {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let stack: TestSystem;
  let call: Caller;
  const ids = {} as Ids;

  before(async function () {
    database = await createTestDatabase();
    stack = await startTestSystem(database.url, {}, ['api']);
    const base = stack.system.apiUrl as string;
    call = (method, path, body, headers = {}) => rawRequest(base, method, `/api/v1${path}`, {
      authorization: `Bearer ${stack.apiKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    }, body);
    const created = await stack.api('POST', '/webhooks', hook);
    ids.webhookId = created.body.id;
    const published = await stack.api('POST', '/events', { event: 'user.created', data: { user_id: 'u1', ok: true } });
    ids.eventId = published.body.id;
    ids.deliveryId = newId('del');
    assert.ok(ids.webhookId && ids.eventId, JSON.stringify(published.body));
  });

  after(async function () {
    await stack?.stop();
    await database?.drop();
  });

  const rowCounts = () => tableCounts(stack.system.db);

  function assertErrorBody(response: RawResponse, testCase: HostileCase): void {
    assert.equal(response.status, testCase.status, response.text.slice(0, 500));
    assert.deepEqual(Object.keys(response.body), ['error'], response.text.slice(0, 500));
    assert.deepEqual(Object.keys(response.body.error).sort(), ['code', 'details', 'message']);
    assert.equal(response.body.error.code, testCase.code);
    assert.ok(response.text.length < 2000, `no input echoed at length: ${response.text.length} bytes`);
    assert.doesNotMatch(response.text, /\bat .+\.js:\d+/, 'no stack trace');
    if (testCase.field) {
      const fields = (response.body.error.details as Array<{ field: string }>).map((d) => d.field);
      assert.ok(fields.includes(testCase.field), `details name ${testCase.field}: ${JSON.stringify(fields)}`);
    }
    if (testCase.allow) {
      const allowed = String(response.headers.allow).split(/,\s*/);
      for (const method of testCase.allow) assert.ok(allowed.includes(method), `Allow lists ${method}: ${response.headers.allow}`);
    }
  }

  for (const testCase of CASES) {
    it(`${testCase.name} → ${testCase.status} ${testCase.code}`, async function () {
      const before = await rowCounts();
      assertErrorBody(await testCase.send(call, ids), testCase);
      assert.deepEqual(await rowCounts(), before, 'no row written');
    });
  }

  it('a request the HTTP parser refuses gets the error JSON too', async function () {
    const response = await rawSocketRequest(stack.system.apiUrl as string, 'GET /api/v1/webhooks HTTP/1.1\r\nHost: x\r\nbroken header line\r\n\r\n');
    assert.equal(response.status, 400);
    assert.equal(response.body.error.code, 'bad_request');
  });

  it('still serves normally after all of that, and takes what is at the limits', async function () {
    // The body is level 1, data level 2: 30 arrays inside reach the limit of 32.
    const atDepthLimit = await call('POST', '/events', deep(30));
    assert.equal(atDepthLimit.status, 202, atDepthLimit.text);
    const exactNumbers = await call('POST', '/events', '{"event":"user.created","data":{"user_id":"u1","a":9007199254740991,"b":0.1,"c":1.50,"d":1e2,"e":-0}}',
      { 'content-type': 'application/json; charset=UTF-8' });
    assert.equal(exactNumbers.status, 202, exactNumbers.text);
    assert.equal((await call('GET', `/webhooks/${ids.webhookId}/deliveries?limit=0010`)).status, 200);
  });
});
