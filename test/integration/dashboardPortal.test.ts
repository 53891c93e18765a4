import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { useTestStack } from '../helpers/system';
import { browserStorage, useBrowser } from '../helpers/browser';
import { eventually } from '../helpers/wait';
import { generateApiKey } from '../../src/security/apiKeys';
import { ensureApiKey } from '../../src/db/repositories/apiKeys';

/** Calls the API from inside the page with the token the page keeps, as the page itself would. */
async function callFromPage(page: Page, method: string, path: string): Promise<number> {
  return page.evaluate(`(async () => {
    const { token } = JSON.parse(sessionStorage.getItem('continuum.credential') ?? '{}');
    const response = await fetch('/api/v1${path}', { method: '${method}', headers: { authorization: 'Bearer ' + token } });
    return response.status;
  })()`) as Promise<number>;
}

describe('dashboard through portal links, in headless Chromium', function () {
  const ctx = useTestStack();
  const browser = useBrowser();
  const otherTenantKey = generateApiKey();
  const ids = { shown: '', hidden: '', otherTenant: '', delivery: '' };
  const secrets: string[] = [];

  before(async function () {
    const make = async (name: string, key?: string) => {
      const created = await ctx.stack.api('POST', '/webhooks', { url: ctx.receiver.url, events: ['memory.created'], name }, { key });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      secrets.push(created.body.secret);
      return created.body.id as string;
    };
    await ensureApiKey(ctx.stack.system.db, 'tenant_b', otherTenantKey);
    ids.shown = await make('Shown to the customer');
    ids.hidden = await make('Internal only');
    ids.otherTenant = await make('Another tenant', otherTenantKey);
    const published = await ctx.stack.api('POST', '/events', { event: 'memory.created', data: { memory_id: 'mem_portal' } });
    const deliveries = await ctx.stack.api('GET', `/events/${published.body.id}`);
    ids.delivery = deliveries.body.deliveries.find((d: { webhook_id: string }) => d.webhook_id === ids.shown).id;
    await ctx.receiver.waitForRequests(2);
  });

  async function portalLink(body: Record<string, unknown>) {
    const created = await ctx.stack.api('POST', '/portal/sessions', body);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body as { id: string; url: string; token: string };
  }

  async function openLink(url: string) {
    const opened = await browser.open();
    await opened.page.goto(url);
    await opened.page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    return opened;
  }

  it('shows only its tenant\'s webhooks in its scope, takes the token out of the URL and keeps no other secret', async function () {
    const link = await portalLink({ webhook_ids: [ids.shown] });
    assert.match(link.url, /\/#portal=cpt_/);
    const { page, context, problems } = await openLink(link.url);
    assert.ok(!page.url().includes('#'), `fragment removed: ${page.url()}`);
    await page.locator(`tr[data-webhook-id="${ids.shown}"]`).waitFor();
    assert.equal(await page.locator('tr[data-webhook-id]').count(), 1);
    assert.equal(await page.locator('[data-session-kind]').getAttribute('data-session-kind'), 'portal');
    assert.equal(await page.getByRole('link', { name: 'New webhook' }).count(), 0, 'a scoped link cannot add webhooks');

    // Outside the scope: the same 404 as an unknown id, drawn as the page's error state.
    for (const id of [ids.hidden, ids.otherTenant]) {
      await page.goto(`${page.url().replace(/\/webhooks.*$|\/$/, '')}/webhooks/${id}`);
      await page.getByRole('alert').filter({ hasText: 'not_found' }).waitFor();
    }

    await page.goto(new URL(`/webhooks/${ids.shown}/deliveries/${ids.delivery}`, page.url()).href);
    await page.locator('li[data-attempt="1"]').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Retry now' }).count(), 1, 'a writable link may retry');
    assert.equal(await page.getByRole('link', { name: /in Temporal/ }).count(), 0, 'no operator links for a portal');

    const storage = await browserStorage(page, context);
    assert.deepEqual(storage.session, { 'continuum.credential': JSON.stringify({ token: link.token, kind: 'portal' }) });
    assert.deepEqual(storage.local, {});
    const dom = await page.content();
    for (const secret of [...secrets, ctx.stack.apiKey, otherTenantKey]) assert.ok(!dom.includes(secret), `page holds ${secret.slice(0, 6)}…`);
    assert.deepEqual(problems, []);
  });

  it('a read-only link shows no button that changes anything, and the API answers its changes 403', async function () {
    const link = await portalLink({ read_only: true });
    const { page, problems } = await openLink(link.url);
    await page.locator(`tr[data-webhook-id="${ids.hidden}"]`).waitFor();
    assert.equal(await page.locator('tr[data-webhook-id]').count(), 2, 'every webhook of its tenant, not the other tenant\'s');
    assert.equal(await page.getByRole('link', { name: 'New webhook' }).count(), 0);

    const allowed = new Set(['Sign out', 'Previous', 'Next', 'Try again']);
    await page.getByRole('link', { name: 'Shown to the customer' }).click();
    await page.locator('tr[data-delivery-id]').first().waitFor();
    await page.locator('svg[data-chart="deliveries"]').waitFor();
    const buttons = await page.getByRole('button').allInnerTexts();
    assert.deepEqual(buttons.filter((name) => !allowed.has(name.trim())), [], 'no change buttons on the webhook page');
    assert.equal(await page.getByRole('link', { name: 'Edit' }).count(), 0);

    await page.locator(`tr[data-delivery-id="${ids.delivery}"] a`).click();
    await page.locator('li[data-attempt="1"]').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Retry now' }).count(), 0);

    assert.equal(await callFromPage(page, 'GET', `/webhooks/${ids.shown}`), 200);
    assert.equal(await callFromPage(page, 'POST', `/webhooks/${ids.shown}/retry/${ids.delivery}`), 403);
    assert.equal(await callFromPage(page, 'POST', `/webhooks/${ids.shown}/circuit/reset`), 403);
    assert.equal(await callFromPage(page, 'DELETE', `/webhooks/${ids.shown}`), 403);
    assert.equal((await ctx.stack.api('GET', `/webhooks/${ids.shown}`)).status, 200, 'still there');
    assert.deepEqual(problems, []);
  });

  it('an expired link and a revoked link answer 401 and send the page back to sign-in', async function () {
    const expiring = await portalLink({ ttl: '2s' });
    const opened = await openLink(expiring.url);
    await eventually('link expired', async () => (await callFromPage(opened.page, 'GET', '/session')) === 401, 10_000);
    await opened.page.reload();
    await opened.page.getByRole('alert').filter({ hasText: 'This portal link has expired or was revoked' }).waitFor();
    await opened.page.getByLabel('API key').waitFor();
    assert.deepEqual((await browserStorage(opened.page, opened.context)).session, {}, 'the dead token is dropped');

    const revoked = await portalLink({});
    const second = await openLink(revoked.url);
    assert.equal((await ctx.stack.api('DELETE', `/portal/sessions/${revoked.id}`)).status, 204);
    assert.equal(await callFromPage(second.page, 'GET', '/webhooks'), 401);
    // The list refreshes itself; its next call meets the 401 and signs the tab out.
    await second.page.getByRole('alert').filter({ hasText: 'This portal link has expired or was revoked' }).waitFor({ timeout: 15_000 });
    assert.deepEqual((await browserStorage(second.page, second.context)).session, {});
  });
});
