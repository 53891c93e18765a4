import assert from 'node:assert/strict';
import { signInWithKey, useBrowser } from '../helpers/browser';
import { useTestStack } from '../helpers/system';

describe('dashboard: the webhook list pages 20 at a time (headless Chromium)', function () {
  const ctx = useTestStack();
  const browser = useBrowser();
  const baseUrl = () => ctx.stack.system.apiUrl as string;
  const apiPage = async (offset: number) => {
    const page = await ctx.stack.api('GET', `/webhooks?limit=20&offset=${offset}`);
    assert.equal(page.status, 200);
    return page.body.data.map((w: { id: string }) => w.id) as string[];
  };

  before(async function () {
    for (let i = 1; i <= 25; i++) {
      const created = await ctx.stack.api('POST', '/webhooks', { url: ctx.receiver.url, events: ['memory.created'], name: `Endpoint ${String(i).padStart(2, '0')}` });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
  });

  it('shows the newest 20 with next/previous, asks the API for one page at a time, and leaves a page emptied meanwhile', async function () {
    const { page, problems } = await browser.open();
    const listCalls: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname === '/api/v1/webhooks') listCalls.push(url.search);
    });
    await signInWithKey(page, baseUrl(), ctx.stack.apiKey);
    const pager = page.getByRole('navigation', { name: 'Webhooks pages' });
    const rowIds = () => page.locator('tr[data-webhook-id]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-webhook-id')));

    await pager.getByRole('status').filter({ hasText: '1–20 of 25' }).waitFor();
    assert.deepEqual(await rowIds(), await apiPage(0));
    assert.equal(await page.locator('tr[data-webhook-id]').first().getByRole('link').innerText(), 'Endpoint 25', 'newest first');
    assert.ok(await pager.getByRole('button', { name: 'Previous' }).isDisabled());

    await pager.getByRole('button', { name: 'Next' }).click();
    await pager.getByRole('status').filter({ hasText: '21–25 of 25' }).waitFor();
    const second = await apiPage(20);
    assert.equal(second.length, 5);
    assert.deepEqual(await rowIds(), second);
    assert.ok(await pager.getByRole('button', { name: 'Next' }).isDisabled());

    await pager.getByRole('button', { name: 'Previous' }).click();
    await pager.getByRole('status').filter({ hasText: '1–20 of 25' }).waitFor();
    assert.deepEqual(await rowIds(), await apiPage(0));

    // On the second page, its 5 webhooks are deleted elsewhere: the next refresh shows the last page that has rows.
    await pager.getByRole('button', { name: 'Next' }).click();
    await pager.getByRole('status').filter({ hasText: '21–25 of 25' }).waitFor();
    for (const id of second) assert.equal((await ctx.stack.api('DELETE', `/webhooks/${id}`)).status, 204);
    await pager.getByRole('status').filter({ hasText: '1–20 of 20' }).waitFor({ timeout: 30_000 });
    assert.deepEqual(await rowIds(), await apiPage(0));

    assert.ok(listCalls.length >= 4, listCalls.join(' '));
    assert.deepEqual(listCalls.filter((search) => !/^\?limit=20&offset=(0|20)$/.test(search)), [], 'every list call asks for one page of 20');
    assert.deepEqual(problems, []);
  });
});
