import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ApiError, createClient, type FetchLike } from '../../src/client';

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

function fakeFetch(answer: () => Response) {
  const sent: Sent[] = [];
  const fetch: FetchLike = async (url, init) => {
    sent.push({ url, ...init });
    return answer();
  };
  return { sent, fetch };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('typed API client (fake fetch)', function () {
  it('sends the key as a bearer token, JSON bodies, encoded ids and only the query values given', async function () {
    const { sent, fetch } = fakeFetch(() => json(200, { data: [], total: 0, limit: 5, offset: 0 }));
    const client = createClient({ baseUrl: 'http://api.test/', apiKey: 'ck_abc', fetch });
    const page = await client.webhooks.deliveries('wh/1', { status: 'dead_lettered', limit: 5 });
    assert.equal(page.limit, 5);
    await client.webhooks.update('wh_1', { name: 'x' });
    assert.equal(sent[0].url, 'http://api.test/api/v1/webhooks/wh%2F1/deliveries?status=dead_lettered&limit=5');
    assert.equal(sent[0].method, 'GET');
    assert.equal(sent[0].body, undefined);
    assert.equal(sent[0].headers.authorization, 'Bearer ck_abc');
    assert.deepEqual([sent[1].method, sent[1].url, sent[1].body, sent[1].headers['content-type']],
      ['PATCH', 'http://api.test/api/v1/webhooks/wh_1', '{"name":"x"}', 'application/json']);
  });

  it('resolves 204 to undefined and a relative base to same-origin paths', async function () {
    const { sent, fetch } = fakeFetch(() => new Response(null, { status: 204 }));
    const client = createClient({ baseUrl: '', apiKey: 'cpt_x', fetch });
    assert.equal(await client.portal.revoke('ps_1'), undefined);
    assert.equal(sent[0].url, '/api/v1/portal/sessions/ps_1');
  });

  it('turns the API error body into an ApiError with status, code, message, details and field errors', async function () {
    const details = [{ field: 'body.url', message: 'must be https' }];
    const { fetch } = fakeFetch(() => json(400, { error: { code: 'validation_error', message: 'request is invalid', details } }));
    const error = await createClient({ baseUrl: 'http://api.test', apiKey: 'k', fetch }).webhooks.create({ url: 'x', events: ['memory.created'], name: 'n' })
      .then(() => assert.fail('resolved'), (err: unknown) => err);
    assert.ok(error instanceof ApiError);
    assert.deepEqual([error.status, error.code, error.message, error.details], [400, 'validation_error', 'request is invalid', details]);
    assert.deepEqual(error.fieldErrors(), { 'body.url': 'must be https' });
  });

  it('a body that is not the API error, or no answer at all, is still an ApiError', async function () {
    const html = fakeFetch(() => new Response('<h1>bad gateway</h1>', { status: 502, statusText: 'Bad Gateway' }));
    const proxyError = await createClient({ baseUrl: 'http://api.test', apiKey: 'k', fetch: html.fetch }).session.get().catch((err: unknown) => err);
    assert.ok(proxyError instanceof ApiError);
    assert.deepEqual([proxyError.status, proxyError.code, proxyError.message], [502, 'http_error', 'HTTP 502 Bad Gateway']);

    const refused: FetchLike = async () => {
      throw new TypeError('fetch failed');
    };
    const networkError = await createClient({ baseUrl: 'http://api.test', apiKey: 'k', fetch: refused }).events.get('evt_1').catch((err: unknown) => err);
    assert.ok(networkError instanceof ApiError);
    assert.deepEqual([networkError.status, networkError.code], [0, 'network_error']);
  });

  it('is browser-safe: the compiled client requires nothing but its own files', function () {
    const dir = path.join(__dirname, '../../src/client');
    const files = readdirSync(dir).filter((name) => name.endsWith('.js'));
    assert.ok(files.length >= 3, 'compiled client files');
    for (const file of files) {
      const requires = [...readFileSync(path.join(dir, file), 'utf8').matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
      assert.deepEqual(requires.filter((name) => !/^\.\/[a-z]+$/i.test(name)), [], `${file} requires only ./…`);
    }
  });
});
