import assert from 'node:assert/strict';
import { useTestStack } from '../helpers/system';
import { collectCspViolations, keepToOrigin, useBrowser } from '../helpers/browser';
import { eventually } from '../helpers/wait';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** Every operation of the served document: its method, path and summary. */
async function servedOperations(baseUrl: string): Promise<{ method: string; path: string; summary: string }[]> {
  const document = await (await fetch(`${baseUrl}/api/v1/openapi.json`)).json() as { paths: Record<string, Record<string, { summary: string }>> };
  return Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item)
    .filter(([method]) => METHODS.includes(method))
    .map(([method, operation]) => ({ method: method.toUpperCase(), path, summary: operation.summary })));
}

describe('API reference page at /docs (Scalar, in headless Chromium)', function () {
  const ctx = useTestStack({}, ['api']);
  const browser = useBrowser();
  const baseUrl = () => ctx.stack.system.apiUrl as string;

  it('is served like the dashboard\'s pages: the same headers, and their policy plus two style directives', async function () {
    const [docs, dashboard] = await Promise.all([fetch(`${baseUrl()}/docs`), fetch(`${baseUrl()}/`)]);
    assert.equal(docs.status, 200);
    assert.equal(docs.headers.get('content-type'), 'text/html; charset=utf-8');
    for (const header of ['x-content-type-options', 'referrer-policy', 'cache-control']) {
      assert.equal(docs.headers.get(header), dashboard.headers.get(header), header);
    }
    const policy = (response: Response) => (response.headers.get('content-security-policy') ?? '').split('; ');
    const dashboardPolicy = policy(dashboard);
    const docsPolicy = policy(docs);
    assert.deepEqual(docsPolicy.slice(0, dashboardPolicy.length), dashboardPolicy, 'every directive of the dashboard\'s policy, unchanged');
    const extra = docsPolicy.slice(dashboardPolicy.length);
    assert.equal(extra.length, 2, extra.join('; '));
    assert.match(extra[0], /^style-src-elem 'self' 'sha256-[A-Za-z0-9+/]{43}='$/, 'one inline <style>, by its hash');
    assert.equal(extra[1], "style-src-attr 'unsafe-inline'");
    assert.ok(docsPolicy.includes("script-src 'self'") && !docsPolicy.join(' ').includes('unsafe-eval'));

    const html = await docs.text();
    assert.match(html, /<script type="module" src="\/assets\/docs\/docs.js"><\/script>/);
    assert.ok(!/<script>|<script type="module">|\son\w+=|style="/.test(html), 'no inline script, handler or style');
    const script = await fetch(`${baseUrl()}/assets/docs/docs.js`);
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal((await fetch(`${baseUrl()}/assets/docs/docs.css`)).headers.get('content-type'), 'text/css; charset=utf-8');

    // Listed with the pages: other methods 405, HEAD answered, paths below it not pages.
    const post = await fetch(`${baseUrl()}/docs`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    assert.equal((await fetch(`${baseUrl()}/docs`, { method: 'HEAD' })).status, 200);
    const below = await fetch(`${baseUrl()}/docs/webhooks`);
    assert.equal(below.status, 404);
    assert.equal(((await below.json()) as { error: { code: string } }).error.code, 'not_found');
  });

  it('shows every operation of the served OpenAPI document, loads nothing from another host, no console errors or CSP violations', async function () {
    const operations = await servedOperations(baseUrl());
    assert.ok(operations.length > 20, `${operations.length} operations`);
    const { context, page, problems } = await browser.open();
    const traffic = await keepToOrigin(context, baseUrl());
    const cspViolations = await collectCspViolations(page);
    await page.goto(`${baseUrl()}/docs`);

    // The sidebar lists the whole document at once (only the content column renders as it
    // scrolls): one link per operation, to #<METHOD><path>, its text the path.
    const sidebar = page.getByRole('complementary', { name: /^Sidebar for / });
    const links = sidebar.getByRole('link', { name: /HTTP Method/ });
    const listed = await eventually('the sidebar to list every operation', async () => {
      const found = await links.evaluateAll((nodes) => nodes.map((a) => ({ href: a.getAttribute('href'), text: a.textContent })));
      return found.length >= operations.length && found;
    });
    assert.deepEqual(listed.map((link) => link.href).sort(), operations.map((op) => `#${op.method}${op.path}`).sort());
    for (const { href, text } of listed) assert.equal((text ?? '').split('HTTP Method')[0].trim(), href?.replace(/^#[A-Z]+/, ''), 'the link shows its path');

    // And each one's section draws, with its summary, when it is followed from the sidebar.
    for (const { method, path, summary } of operations) {
      await sidebar.locator(`a[href="#${method}${path}"]`).click();
      const section = page.locator(`section[id$="/${method}${path}"]`);
      await section.getByRole('heading', { name: summary, exact: true }).waitFor();
    }

    // Its request client writes <style> elements the policy refuses: the page leaves it out.
    assert.equal(await page.getByRole('button', { name: /Test Request/ }).count(), 0);
    assert.deepEqual(traffic.foreign, [], 'requests to other hosts');
    assert.deepEqual(traffic.failed, []);
    assert.deepEqual(await cspViolations(), []);
    assert.deepEqual(problems, []);
  });
});
