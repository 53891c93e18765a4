import assert from 'node:assert/strict';
import { COMMANDS } from '../../src/cli/commands';
import { tableCounts } from '../helpers/rows';
import { Scenario } from '../helpers/scenario';
import { useTestStack, type ApiResponse } from '../helpers/system';

const MASK = '********';

/** The most arrivals in any closed one-second window [t, t + 1000 ms]. */
function busiestSecond(arrivals: number[]): number {
  const times = [...arrivals].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] > 1000) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe('custom headers and per-endpoint rate limits', function () {
  const ctx = useTestStack({ CONTINUUM_CIRCUIT_FAILURE_THRESHOLD: '1000' });
  let s: Scenario;

  before(async function () {
    s = new Scenario(ctx.stack);
  });
  afterEach(async function () {
    ctx.receiver.respond = () => ({ status: 200, body: 'ok' });
    ctx.receiver.requests.splice(0);
    await s.cleanup();
  });

  const api = (method: string, path: string, body?: unknown) => ctx.stack.api(method, path, body);
  const webhookRow = (id: string) => ctx.stack.system.db('webhooks').where({ id }).first();

  function assertRefused(response: ApiResponse, field: string): void {
    assert.equal(response.status, 400, JSON.stringify(response.body));
    assert.equal(response.body.error.code, 'validation_error');
    const fields = (response.body.error.details as Array<{ field: string }>).map((d) => d.field);
    assert.ok(fields.includes(field), `details name ${field}: ${JSON.stringify(response.body.error.details)}`);
  }

  describe('headers', function () {
    it('arrive at the receiver on every attempt beside the signature; reads show them masked; PATCH replaces or clears them', async function () {
      ctx.receiver.respond = (_req, index) => (index < 2 ? { status: 500 } : { status: 200 });
      const headers = { Authorization: 'Bearer s3cret-token', 'X-Route-Key': 'eu west\t1', 'x-empty': '' };
      const webhookId = await s.webhook(ctx.receiver, { headers });
      const [deliveryId] = await s.publish(1);
      await s.waitForStatus([deliveryId], 'succeeded');
      assert.equal(ctx.receiver.requests.length, 3);
      for (const request of ctx.receiver.requests) {
        assert.equal(request.headers.authorization, 'Bearer s3cret-token');
        assert.equal(request.headers['x-route-key'], 'eu west\t1');
        assert.equal(request.headers['x-empty'], '');
        assert.match(String(request.headers['x-continuum-signature']), /^v1=[0-9a-f]{64}$/);
        assert.equal(request.headers['content-type'], 'application/json');
      }

      const masked = { Authorization: MASK, 'X-Route-Key': MASK, 'x-empty': MASK };
      assert.deepEqual((await api('GET', `/webhooks/${webhookId}`)).body.headers, masked);
      const listed = (await api('GET', '/webhooks')).body.data.find((w: { id: string }) => w.id === webhookId);
      assert.deepEqual(listed.headers, masked);
      const row = await webhookRow(webhookId);
      assert.doesNotMatch(row.headers_ciphertext, /s3cret|Bearer/, 'sealed at rest');
      const lines: string[] = [];
      const { db, config } = ctx.stack.system;
      await COMMANDS['webhooks list'].run({ db, config, options: { tenant: 'tenant_a' }, out: (line) => lines.push(line) });
      const cliLine = lines.find((line) => line.startsWith(webhookId)) ?? '';
      assert.match(cliLine, /\t-\tAuthorization,X-Route-Key,x-empty\t/, 'the operator CLI lists the names (no rate limit: -)');
      assert.doesNotMatch(cliLine, /s3cret/);

      const replaced = await api('PATCH', `/webhooks/${webhookId}`, { headers: { 'X-Other': 'v2' } });
      assert.deepEqual(replaced.body.headers, { 'X-Other': MASK });
      ctx.receiver.requests.splice(0);
      await s.waitForStatus(await s.publish(1), 'succeeded');
      assert.equal(ctx.receiver.requests[0].headers['x-other'], 'v2');
      assert.equal(ctx.receiver.requests[0].headers.authorization, undefined, 'the whole set was replaced');

      for (const cleared of [{}, null]) {
        await api('PATCH', `/webhooks/${webhookId}`, { headers: { 'X-Again': '1' } });
        const response = await api('PATCH', `/webhooks/${webhookId}`, { headers: cleared });
        assert.deepEqual(response.body.headers, {});
        assert.deepEqual(await webhookRow(webhookId).then((r) => [r.headers_ciphertext, r.header_names]), [null, []]);
      }
    });

    const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`X-H${i + 1}`, 'v']));
    const refused: Array<{ name: string; headers: Record<string, string>; field: string }> = [
      ...['Content-Type', 'host', 'USER-AGENT', 'Content-Length', 'connection', 'Transfer-Encoding'].map((name) => ({ name, headers: { [name]: 'x' }, field: name })),
      { name: 'an X-Continuum-* name', headers: { 'X-Continuum-Foo': 'x' }, field: 'X-Continuum-Foo' },
      { name: 'a webhook-* name', headers: { 'webhook-foo': 'x' }, field: 'webhook-foo' },
      { name: 'a name that is no token', headers: { 'X Bad:Name': 'x' }, field: '"X Bad:Name"' },
      { name: 'a CR/LF in a value', headers: { 'X-Split': 'a\r\nInjected: 1' }, field: 'X-Split' },
      { name: 'a bare LF in a value', headers: { 'X-Split': 'a\nb' }, field: 'X-Split' },
      { name: 'a leading space in a value', headers: { 'X-Pad': ' a' }, field: 'X-Pad' },
      { name: 'a non-ASCII value', headers: { 'X-Accent': 'caf\u00e9' }, field: 'X-Accent' },
      { name: 'names differing only in case', headers: { 'X-Key': 'a', 'x-key': 'b' }, field: 'x-key' },
      { name: '21 headers', headers: many(21), field: 'X-H21' },
      { name: 'more than 8 KiB in all', headers: { 'X-A': 'a'.repeat(4000), 'X-B': 'b'.repeat(4000), 'X-C': 'c'.repeat(200) }, field: 'X-C' },
    ];

    it('refuses each reserved or malformed header with a 400 naming it, storing nothing (create and PATCH)', async function () {
      const existing = await s.webhook(ctx.receiver, { headers: { 'X-Keep': 'kept' } });
      const before = await webhookRow(existing);
      const counts = await tableCounts(ctx.stack.system.db);
      for (const { name, headers, field } of refused) {
        await assertRefusedEverywhere(name, { headers }, `body.headers.${field}`);
      }
      // A __proto__ key would be dropped by a parsed record: refused rather than lost.
      const raw = `{"url":"${ctx.receiver.url}","events":["memory.created"],"name":"p","headers":{"__proto__":"x"}}`;
      assertRefused(await ctx.stack.api('POST', '/webhooks', undefined, { rawBody: raw }), 'body.headers.__proto__');
      assert.deepEqual(await tableCounts(ctx.stack.system.db), counts, 'no row written');
      assert.deepEqual(await webhookRow(existing), before, 'the existing webhook is unchanged');
      const accepted = await api('PATCH', `/webhooks/${existing}`, { headers: many(20) });
      assert.equal(accepted.status, 200, '20 headers are fine');

      async function assertRefusedEverywhere(name: string, body: Record<string, unknown>, field: string) {
        const created = await api('POST', '/webhooks', { url: ctx.receiver.url, events: ['memory.created'], name: 'refused', ...body });
        assertRefused(created, field);
        assert.match(created.body.error.details.find((d: { field: string }) => d.field === field).message, /^header /, name);
        assertRefused(await api('PATCH', `/webhooks/${existing}`, body), field);
      }
    });
  });

  describe('rate_limit_per_s', function () {
    it('refuses 0, 1001, 2.5 and "5" on create and PATCH, changing nothing', async function () {
      const webhookId = await s.webhook(ctx.receiver, { rate_limit_per_s: 3 });
      const before = await webhookRow(webhookId);
      const counts = await tableCounts(ctx.stack.system.db);
      for (const bad of [0, 1001, 2.5, '5', -1, true]) {
        assertRefused(await api('POST', '/webhooks', { url: ctx.receiver.url, events: ['memory.created'], name: 'r', rate_limit_per_s: bad }), 'body.rate_limit_per_s');
        assertRefused(await api('PATCH', `/webhooks/${webhookId}`, { rate_limit_per_s: bad }), 'body.rate_limit_per_s');
      }
      assert.deepEqual(await tableCounts(ctx.stack.system.db), counts);
      assert.deepEqual(await webhookRow(webhookId), before);
      assert.equal((await api('GET', `/webhooks/${webhookId}`)).body.rate_limit_per_s, 3);
    });

    it('a PATCH sets the limit in the webhook row the next claim reads; null removes it; other changes leave it', async function () {
      const webhookId = await s.webhook(ctx.receiver, { rate_limit_per_s: 50 });
      await s.waitForStatus(await s.publish(1), 'succeeded');
      assert.equal((await api('PATCH', `/webhooks/${webhookId}`, { rate_limit_per_s: 7 })).body.rate_limit_per_s, 7);
      assert.equal((await webhookRow(webhookId)).rate_limit_per_s, 7);
      await api('PATCH', `/webhooks/${webhookId}`, { max_concurrency: 4 });
      assert.deepEqual([(await webhookRow(webhookId)).rate_limit_per_s, (await webhookRow(webhookId)).max_concurrency], [7, 4]);
      assert.equal((await api('PATCH', `/webhooks/${webhookId}`, { rate_limit_per_s: null })).body.rate_limit_per_s, null);
      assert.equal((await webhookRow(webhookId)).rate_limit_per_s, null);
      await s.waitForStatus(await s.publish(1), 'succeeded');
    });

    it('at 5/s (set by PATCH), 100 deliveries and their retries all arrive, never more attempts than capacity + rate in any second', async function () {
      const rate = 5;
      const webhookId = await s.webhook(ctx.receiver);
      await s.waitForStatus(await s.publish(1), 'succeeded');
      assert.equal((await api('PATCH', `/webhooks/${webhookId}`, { rate_limit_per_s: rate })).status, 200);
      ctx.receiver.requests.splice(0);
      // Every delivery's first attempt fails: its retry, too, takes a token (the rate holds at every claim).
      const seen = new Set<string>();
      ctx.receiver.respond = (req) => {
        const id = String(req.headers['x-continuum-delivery']);
        if (seen.has(id)) return { status: 200, body: 'ok' };
        seen.add(id);
        return { status: 500, body: 'first' };
      };

      const ids = await s.publish(50);
      await s.waitForStatus(ids, 'succeeded', 120_000);
      assert.equal(new Set(ctx.receiver.requests.map((r) => r.headers['x-continuum-delivery'])).size, 50, 'each delivery arrived');
      // Judged at the attempts' start: the bucket holds a second's worth (rate) and refills at
      // rate per second. A claim's token and its attempt's start are apart by the workflow's
      // start (or signal), which a loaded machine delays by varying amounts: one more is allowed.
      const attempts = await ctx.stack.system.db('delivery_attempts').whereIn('delivery_id', ids).pluck('started_at');
      assert.equal(attempts.length, 100, 'each delivery failed once, then succeeded');
      const busiest = busiestSecond(attempts.map((at: Date) => at.getTime()));
      assert.ok(busiest <= 2 * rate + 1, `at most ${2 * rate + 1} attempts in any second, saw ${busiest}`);
      const metrics = await fetch(`${ctx.stack.system.apiUrl}/metrics`).then((r) => r.text());
      const delayed = Number(/^continuum_permits_rate_delayed_total (\d+)/m.exec(metrics)?.[1]);
      assert.ok(delayed > 0, `the rate limit held claims back (${delayed})`);
    });
  });
});
