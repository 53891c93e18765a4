import assert from 'node:assert/strict';
import { Receiver } from '../helpers/receiver';
import { useTestStack } from '../helpers/system';
import { assertNoHorizontalScroll, browserStorage, screenshot, signInWithKey, useBrowser } from '../helpers/browser';
import { eventually } from '../helpers/wait';
import { generateApiKey } from '../../src/security/apiKeys';
import { ensureApiKey } from '../../src/db/repositories/apiKeys';

describe('dashboard in headless Chromium (API-key session)', function () {
  // A circuit opened by the failing receiver stays open until "reset" (not half-open after 1 s).
  const ctx = useTestStack({ CONTINUUM_CIRCUIT_OPEN_DURATION: '10m', CONTINUUM_TEMPORAL_UI_URL: 'http://127.0.0.1:9/ui' });
  const browser = useBrowser();
  const baseUrl = () => ctx.stack.system.apiUrl as string;
  const secrets: string[] = [];

  it('serves the page at / and page routes only, with content types and a strict Content-Security-Policy', async function () {
    const page = await fetch(`${baseUrl()}/webhooks/new`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/);
    const csp = page.headers.get('content-security-policy') ?? '';
    for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"]) {
      assert.ok(csp.includes(directive), `CSP has ${directive}: ${csp}`);
    }
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    const html = await page.text();
    assert.match(html, /<script type="module" src="\/assets\/app.js"><\/script>/);
    assert.ok(!/<script>|<script type="module">|\son\w+=|style="/.test(html), 'no inline script, handler or style');

    const script = await fetch(`${baseUrl()}/assets/app.js`);
    assert.equal(script.status, 200);
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal((await fetch(`${baseUrl()}/assets/styles.css`)).headers.get('content-type'), 'text/css; charset=utf-8');

    // Not pages: the API's JSON 404 as before; other methods on a page: 405.
    for (const path of ['/nope', '/webhooks/wh_x', '/assets/missing.js', '/api/v1/nope']) {
      const response = await fetch(`${baseUrl()}${path}`);
      assert.equal(response.status, 404, path);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'not_found', path);
    }
    const post = await fetch(`${baseUrl()}/`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
  });

  it('creates a webhook through the form (a refused URL is named beside its field), shows a delivery, retries it manually', async function () {
    const { page, problems } = await browser.open();
    await page.goto(`${baseUrl()}/`);
    await page.getByLabel('API key').fill('ck_not_a_key_of_this_server_000000');
    await page.getByLabel('API key').press('Enter');
    await page.getByRole('alert').filter({ hasText: 'The API key was not accepted' }).waitFor();
    assert.equal(await page.evaluate('sessionStorage.length'), 0, 'a refused key is not kept');
    await signInWithKey(page, baseUrl(), ctx.stack.apiKey);
    await page.getByText('No webhooks yet.').waitFor();
    await page.getByRole('link', { name: 'New webhook' }).click();

    await page.getByLabel('Name').fill('Orders');
    await page.getByLabel('URL', { exact: true }).fill('http://127.0.0.1:22/hook');
    await page.getByRole('checkbox', { name: 'memory.created' }).check();
    await page.getByRole('button', { name: 'Create webhook' }).click();
    const urlError = page.locator('#f-url-error');
    await urlError.waitFor();
    assert.match(await urlError.innerText(), /port/i);
    assert.equal(await page.getByLabel('URL', { exact: true }).getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('[data-field-error]').count(), 1, 'only the URL is wrong');
    assert.equal((await ctx.stack.api('GET', '/webhooks')).body.total, 0, 'nothing was created');

    await page.getByLabel('URL', { exact: true }).fill(ctx.receiver.url);
    await page.getByRole('button', { name: 'Create webhook' }).click();
    const secret = await page.getByRole('textbox', { name: 'Signing secret' }).inputValue();
    assert.match(secret, /^whs_/);
    secrets.push(secret);
    const [webhook] = (await ctx.stack.api('GET', '/webhooks')).body.data;
    assert.deepEqual([webhook.name, webhook.url, webhook.events], ['Orders', ctx.receiver.url, ['memory.created']]);
    await page.getByRole('button', { name: 'Done, hide it' }).click();
    await page.getByRole('heading', { name: 'Orders', level: 1 }).waitFor();

    const published = await ctx.stack.api('POST', '/events', { event: 'memory.created', data: { memory_id: 'mem_1' } });
    assert.equal(published.status, 202);
    const [deliveryId] = published.body.delivery_ids as string[];
    const row = page.locator(`tr[data-delivery-id="${deliveryId}"]`);
    await row.locator('[data-status="succeeded"]').waitFor({ timeout: 30_000 });

    await row.getByRole('link', { name: deliveryId }).click();
    await page.getByRole('heading', { name: deliveryId }).waitFor();
    await page.locator('li[data-attempt="1"][data-trigger="scheduled"][data-status-code="200"]').waitFor();
    assert.match(await page.locator('pre.payload').innerText(), /"memory_id": "mem_1"/);
    const workflowLink = await page.getByRole('link', { name: 'Delivery workflow in Temporal' }).getAttribute('href');
    assert.equal(workflowLink, `http://127.0.0.1:9/ui/namespaces/default/workflows?query=${encodeURIComponent(`WorkflowId="delivery:${deliveryId}"`)}`);
    const endpointLink = await page.getByRole('link', { name: 'Endpoint workflow in Temporal' }).getAttribute('href');
    assert.ok(endpointLink?.endsWith(encodeURIComponent(`WorkflowId="endpoint:${webhook.id}"`)), endpointLink ?? '');

    await page.getByRole('button', { name: 'Retry now' }).click();
    await page.locator('li[data-attempt="2"][data-trigger="manual"][data-status-code="200"]').waitFor({ timeout: 30_000 });
    await ctx.receiver.waitForRequests(2);
    assert.equal(ctx.receiver.requests.filter((r) => r.headers['x-continuum-delivery'] === deliveryId).length, 2);
    assert.deepEqual(problems, []);
  });

  it('draws one bar per hour of the last 24 h with the counts the timeseries API gives', async function () {
    const [webhook] = (await ctx.stack.api('GET', '/webhooks')).body.data;
    const more = await Promise.all([1, 2, 3].map((n) => ctx.stack.api('POST', '/events', { event: 'memory.created', data: { memory_id: `mem_${n}` } })));
    const moreIds = more.map((r) => r.body.delivery_ids[0] as string);
    await eventually('3 more deliveries succeeded', async () => {
      const rows = await ctx.stack.system.db('deliveries').whereIn('id', moreIds).where({ status: 'succeeded' });
      return rows.length === 3;
    });
    const { page, problems } = await browser.open();
    await signInWithKey(page, baseUrl(), ctx.stack.apiKey);
    await page.goto(`${baseUrl()}/webhooks/${webhook.id}`);
    const bars = page.locator('svg[data-chart="deliveries"] g.bar');
    // Read twice if an hour ends between drawing and asking the API (the chart redraws every 10 s).
    const { drawn, api } = await eventually('the chart to match the API', async () => {
      const shown = await bars.evaluateAll((nodes) => nodes.map((g) => ({ ...(g as unknown as { dataset: Record<string, string> }).dataset })));
      const series = (await ctx.stack.api('GET', `/webhooks/${webhook.id}/stats/timeseries?window=24h&bucket=1h`)).body;
      assert.equal(series.buckets.length, 24);
      assert.equal(shown.length, 24, 'one bar per hour');
      const expected = series.buckets.map((b: Record<string, number | string>) => ({
        start: b.start, deliveries: String(b.deliveries), succeeded: String(b.succeeded), failed: String(b.failed), pending: String(b.pending), cancelled: String(b.cancelled),
      }));
      assert.deepEqual(shown, expected);
      return { drawn: shown, api: series };
    }, 30_000);
    assert.equal(drawn.reduce((sum, bar) => sum + Number(bar.succeeded), 0), 4, 'the delivery of the previous test and these 3');
    assert.equal(await page.locator('svg[data-chart="latency"] g.bar').count(), 24);
    const latest = api.buckets[23];
    assert.equal(await page.locator('svg[data-chart="latency"] g.bar').last().getAttribute('data-attempts'), String(latest.attempts));
    await page.locator('tr[data-delivery-id] [data-status="succeeded"]').nth(3).waitFor();
    await screenshot(page, 'webhook.png');
    assert.deepEqual(problems, []);
  });

  it('shows a failing endpoint\'s circuit open in the list and closes it with "reset"; readable at 375 px', async function () {
    const failing = await new Receiver().start();
    failing.respond = () => ({ status: 500, body: 'down' });
    try {
      const created = await ctx.stack.api('POST', '/webhooks', { url: failing.url, events: ['sync.failed'], name: 'Flaky partner' });
      assert.equal(created.status, 201);
      const webhookId = created.body.id as string;
      const { page, problems } = await browser.open({ width: 375, height: 800 });
      await signInWithKey(page, baseUrl(), ctx.stack.apiKey);
      const badge = page.locator(`tr[data-webhook-id="${webhookId}"] [data-circuit]`);
      assert.equal(await badge.getAttribute('data-circuit'), 'closed');

      assert.equal((await ctx.stack.api('POST', '/events', { event: 'sync.failed', data: { sync_id: 's1' } })).status, 202);
      await page.locator(`tr[data-webhook-id="${webhookId}"] [data-circuit="open"]`).waitFor({ timeout: 60_000 });
      await assertNoHorizontalScroll(page);
      await page.setViewportSize({ width: 1280, height: 900 });
      await screenshot(page, 'webhooks.png');

      await page.getByRole('link', { name: 'Flaky partner' }).click();
      await page.locator('#circuit-title ~ p [data-circuit="open"]').waitFor();
      await page.setViewportSize({ width: 375, height: 800 });
      await assertNoHorizontalScroll(page);
      await page.getByRole('button', { name: 'Reset circuit' }).click();
      await page.locator('#circuit-title ~ p [data-circuit="closed"]').waitFor();
      assert.equal((await ctx.stack.api('GET', `/webhooks/${webhookId}`)).body.circuit.state, 'closed');
      assert.deepEqual(problems, []);
    } finally {
      await failing.stop();
    }
  });

  it('edits a webhook from its own values sending only what changed, sends a test event and filters deliveries by status', async function () {
    const created = await ctx.stack.api('POST', '/webhooks', { url: ctx.receiver.url, events: ['user.created'], name: 'Signups', max_concurrency: 3 });
    assert.equal(created.status, 201);
    const webhookId = created.body.id as string;
    const { page, problems } = await browser.open();
    await signInWithKey(page, baseUrl(), ctx.stack.apiKey);
    await page.goto(`${baseUrl()}/webhooks/${webhookId}/edit`);
    await page.getByRole('heading', { name: 'Edit Signups' }).waitFor();
    assert.equal(await page.getByLabel('Max concurrency (optional)').inputValue(), '3');
    assert.ok(await page.getByRole('checkbox', { name: 'user.created' }).isChecked());

    await page.getByRole('checkbox', { name: 'user.created' }).uncheck();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('[data-field-error="events"]').waitFor();
    assert.match(await page.locator('[data-field-error="events"]').innerText(), /at least one event type/);

    const patches: unknown[] = [];
    page.on('request', (request) => {
      if (request.method() === 'PATCH') patches.push(request.postDataJSON());
    });
    await page.getByRole('checkbox', { name: 'session.ended' }).check();
    await page.getByLabel('Name').fill('Sign-ups');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'Sign-ups', level: 1 }).waitFor();
    const saved = (await ctx.stack.api('GET', `/webhooks/${webhookId}`)).body;
    assert.deepEqual([saved.name, saved.events, saved.max_concurrency, saved.url], ['Sign-ups', ['session.ended'], 3, ctx.receiver.url]);
    assert.deepEqual(patches, [{ name: 'Sign-ups', events: ['session.ended'] }], 'only the changed fields');

    await page.getByRole('button', { name: 'Send test event' }).click();
    const result = page.locator('[data-test-result]');
    await result.waitFor();
    assert.equal(await result.getAttribute('data-test-result'), 'succeeded');
    assert.match(await result.innerText(), /Delivered: HTTP 200/);

    const table = page.getByRole('region', { name: 'Deliveries' });
    await page.locator('tr[data-delivery-id] [data-status="succeeded"]').first().waitFor();
    await page.getByLabel('Status').selectOption('dead_lettered');
    await page.getByText('No dead-lettered deliveries.').waitFor();
    await page.getByLabel('Status').selectOption('succeeded');
    await page.locator('tr[data-delivery-id]').first().waitFor();
    assert.equal(await page.locator('tr[data-delivery-id]').count(), 1);
    assert.match(await table.getByRole('status').innerText(), /1–1 of 1/);
    assert.deepEqual(problems, []);
    assert.equal((await ctx.stack.api('DELETE', `/webhooks/${webhookId}`)).status, 204);
  });

  it('keeps nothing secret in the page source or the browser\'s storage but this session\'s own key', async function () {
    const otherKey = generateApiKey();
    await ensureApiKey(ctx.stack.system.db, 'tenant_a', otherKey);
    const [webhook] = (await ctx.stack.api('GET', '/webhooks')).body.data;
    const rotated = await ctx.stack.api('POST', `/webhooks/${webhook.id}/secret/rotate`);
    secrets.push(rotated.body.secret);
    const { page, context } = await browser.open();
    await signInWithKey(page, baseUrl(), ctx.stack.apiKey);

    // Rotating in the page shows the new secret once; leaving the page forgets it.
    await page.getByRole('link', { name: 'Orders' }).click();
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    const shown = await page.getByRole('textbox', { name: 'New signing secret' }).inputValue();
    assert.match(shown, /^whs_/);
    secrets.push(shown);
    await page.getByRole('link', { name: '← Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();

    const storage = await browserStorage(page, context);
    assert.deepEqual(storage.local, {});
    assert.deepEqual(storage.cookies, []);
    assert.deepEqual(Object.values(storage.session), [JSON.stringify({ token: ctx.stack.apiKey, kind: 'api_key' })]);
    const source = await (await fetch(`${baseUrl()}/`)).text();
    const bundle = await (await fetch(`${baseUrl()}/assets/app.js`)).text();
    const dom = await page.content();
    for (const [where, text] of Object.entries({ source, bundle, dom })) {
      for (const secret of [...secrets, otherKey, ctx.stack.apiKey]) assert.ok(!text.includes(secret), `${where} holds ${secret.slice(0, 6)}…`);
      assert.ok(!/whs_[A-Za-z0-9+/]{20}/.test(text), `${where} holds a webhook secret`);
    }
  });

  it('creates a FIFO webhook with its own retry schedule through the form; a refused schedule entry is named beside its field', async function () {
    const { page, problems } = await browser.open();
    await signInWithKey(page, baseUrl(), ctx.stack.apiKey);
    await page.goto(`${baseUrl()}/webhooks/new`);
    await page.getByLabel('Name').fill('In order');
    await page.getByLabel('URL', { exact: true }).fill(ctx.receiver.url);
    await page.getByRole('checkbox', { name: 'user.created' }).check();
    await page.getByLabel('Ordering').selectOption('fifo');
    const schedule = page.getByLabel('Retry schedule (optional)');
    await schedule.fill('1s, soon');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    const error = page.locator('#f-retry_schedule-error');
    await error.waitFor();
    assert.match(await error.innerText(), /^entry 2: .*soon/);
    assert.equal(await schedule.getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('[data-field-error]').count(), 1, 'only the schedule is wrong');
    type Listed = { id: string; name: string; ordering: string; retry_schedule: string[] | null };
    const named = async () => ((await ctx.stack.api('GET', '/webhooks')).body.data as Listed[]).filter((w) => w.name === 'In order');
    assert.deepEqual(await named(), [], 'nothing was created');

    await schedule.fill('1s, 5s');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    secrets.push(await page.getByRole('textbox', { name: 'Signing secret' }).inputValue());
    const [stored] = await named();
    assert.deepEqual([stored.ordering, stored.retry_schedule], ['fifo', ['1s', '5s']]);
    await page.getByRole('button', { name: 'Done, hide it' }).click();
    await page.getByRole('heading', { name: 'In order', level: 1 }).waitFor();
    assert.equal(await page.locator('dd[data-ordering="fifo"]').innerText(), 'FIFO per ordering key');
    assert.equal(await page.locator('dd[data-retry-schedule]').innerText(), '1s, 5s');

    // Cleared on edit: sent as null, back to the installation's schedule.
    await page.goto(`${baseUrl()}/webhooks/${stored.id}/edit`);
    assert.equal(await schedule.inputValue(), '1s, 5s');
    await schedule.fill('');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('dd[data-retry-schedule=""]').waitFor();
    assert.equal(await page.locator('dd[data-retry-schedule]').innerText(), 'installation default');
    assert.equal((await ctx.stack.api('GET', `/webhooks/${stored.id}`)).body.retry_schedule, null);

    // A delivery scheduled an hour ahead holds its line: the next one with its key waits for it.
    const publish = (extra: Record<string, string>) => ctx.stack.api('POST', '/events', { event: 'user.created', data: { user_id: 'u1' }, ordering_key: 'acct-7', ...extra });
    const deliverAt = new Date(Date.now() + 3_600_000).toISOString();
    const [head] = (await publish({ deliver_at: deliverAt })).body.delivery_ids as string[];
    const [next] = (await publish({})).body.delivery_ids as string[];
    const nextRow = page.locator(`tr[data-delivery-id="${next}"]`);
    await nextRow.locator(`[data-waiting-for="${head}"]`).waitFor();
    assert.equal(await nextRow.locator('[data-ordering-key]').innerText(), 'key acct-7');
    const headRow = page.locator(`tr[data-delivery-id="${head}"]`);
    assert.match(await headRow.locator('[data-deliver-at]').innerText(), /^scheduled for /);
    assert.equal(await headRow.locator('[data-waiting-for]').count(), 0);
    await nextRow.getByRole('link', { name: head }).click();
    await page.getByRole('heading', { name: head }).waitFor();
    assert.equal(await page.locator('dd[data-ordering-key]').innerText(), 'acct-7');
    assert.equal(await page.locator('dd[data-deliver-at]').getAttribute('data-deliver-at'), deliverAt);
    assert.deepEqual(problems, []);
    assert.equal((await ctx.stack.api('DELETE', `/webhooks/${stored.id}`)).status, 204);
  });
});
