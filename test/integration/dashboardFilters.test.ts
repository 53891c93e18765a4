import assert from 'node:assert/strict';
import { useTestStack } from '../helpers/system';
import { signInWithKey, useBrowser } from '../helpers/browser';

describe('dashboard in headless Chromium: filters and the event-type catalogue', function () {
  const ctx = useTestStack();
  const browser = useBrowser();
  const baseUrl = () => ctx.stack.system.apiUrl as string;

  it('creates a webhook with a filter through the form (a refused operator is named beside the field), then tests events against it', async function () {
    const { page, problems } = await browser.open();
    await signInWithKey(page, baseUrl(), ctx.stack.apiKey);
    await page.goto(`${baseUrl()}/webhooks/new`);
    await page.getByLabel('Name').fill('Important memories');
    await page.getByLabel('URL', { exact: true }).fill(ctx.receiver.url);
    await page.getByRole('checkbox', { name: 'memory.created' }).check();
    const filter = page.getByLabel('Filter (optional)');
    await filter.fill('{"data.content_preview": {"$regex": "AI"}}');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    const error = page.locator('#f-filter-error');
    await error.waitFor();
    assert.match(await error.innerText(), /^data\.content_preview\.\$regex: unknown operator \$regex/);
    assert.equal((await ctx.stack.api('GET', '/webhooks')).body.total, 0, 'nothing was created');

    await filter.fill('{"data.importance": {"$gte": 0.7}}');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    await page.getByRole('button', { name: 'Done, hide it' }).click();
    await page.getByRole('heading', { name: 'Important memories', level: 1 }).waitFor();
    assert.equal(await page.locator('dd[data-filter]').getAttribute('data-filter'), '{"data.importance":{"$gte":0.7}}');

    const data = page.getByLabel('Sample data (JSON)');
    await data.fill('{"memory_id": "m", "importance": 0.3}');
    await page.getByRole('button', { name: 'Test filter' }).click();
    const verdict = page.locator('[data-filter-verdict]');
    await page.locator('[data-filter-verdict="no-match"]').waitFor();
    assert.match(await verdict.innerText(), /First failing condition: data\.importance \{"\$gte":0\.7\} \(the event has 0\.3\)/);
    await data.fill('{"memory_id": "m", "importance": 0.9}');
    await page.getByRole('button', { name: 'Test filter' }).click();
    await page.locator('[data-filter-verdict="match"]').waitFor();
    assert.match(await verdict.innerText(), /^Matches/);
    assert.equal(ctx.receiver.requests.length, 0, 'testing sends nothing');
    assert.deepEqual(problems, []);
  });

  it('shows the catalogue: every type with its schema and example', async function () {
    const { page, problems } = await browser.open();
    await signInWithKey(page, baseUrl(), ctx.stack.apiKey);
    await page.getByRole('link', { name: 'Event types' }).click();
    await page.getByRole('heading', { name: 'Event types', level: 1 }).waitFor();
    assert.equal(await page.locator('article[data-event-type]').count(), 15);
    const memory = page.locator('article[data-event-type="memory.created"]');
    assert.deepEqual(JSON.parse(await memory.locator('[data-example]').innerText()).memory_id, 'mem_123');
    await memory.getByText('Schema of data').click();
    assert.deepEqual(JSON.parse(await memory.locator('[data-schema]').innerText()).required, ['memory_id']);
    assert.equal(await page.locator('article[data-event-type="quota.exceeded"] [data-priority="high"]').count(), 1);
    assert.deepEqual(problems, []);
  });
});
