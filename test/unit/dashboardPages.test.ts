import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Koa from 'koa';
import pino from 'pino';
import { errorHandler } from '../../src/api/middleware/errors';
import { dashboardPages, type DashboardOptions } from '../../src/api/pages';
import { loadConfig } from '../../src/config';
import { SUBSCRIBABLE_EVENT_TYPES } from '../../src/events/catalogue';

async function serve(options: DashboardOptions): Promise<{ url: string; server: Server }> {
  const app = new Koa();
  app.use(errorHandler(pino({ level: 'silent' })));
  app.use(dashboardPages(options));
  app.use((ctx) => {
    ctx.status = 404;
    ctx.body = 'fell through';
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

describe('dashboard pages (src/api/pages.ts)', function () {
  let directory: string;
  before(function () {
    directory = mkdtempSync(path.join(tmpdir(), 'pages-'));
    mkdirSync(path.join(directory, 'assets'));
    writeFileSync(path.join(directory, 'index.html'), '<script id="c" type="application/json">__DASHBOARD_CONFIG__</script>');
    writeFileSync(path.join(directory, 'assets', 'app.js'), 'export {};');
    writeFileSync(path.join(directory, 'assets', 'notes.txt'), 'not an asset type');
  });
  after(function () {
    rmSync(directory, { recursive: true, force: true });
  });

  it('writes the public settings into the page, serves assets by type, and lets other paths through', async function () {
    const { url, server } = await serve({ directory, temporalUiUrl: 'http://t.example:8233', temporalNamespace: 'ns', frameAncestors: ['https://app.example.com'] });
    try {
      const page = await fetch(`${url}/webhooks/wh_${'a'.repeat(26)}/deliveries/del_${'b'.repeat(26)}`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-security-policy') ?? '', /frame-ancestors https:\/\/app\.example\.com$/);
      assert.equal(page.headers.get('cache-control'), 'no-store');
      const json = /<script id="c" type="application\/json">(.*)<\/script>/.exec(await page.text())?.[1] ?? '';
      assert.ok(SUBSCRIBABLE_EVENT_TYPES.includes('delivery.dead_lettered'), 'the form offers the operational events too');
      assert.deepEqual(JSON.parse(json), { event_types: [...SUBSCRIBABLE_EVENT_TYPES], temporal_ui_url: 'http://t.example:8233', temporal_namespace: 'ns' });

      const asset = await fetch(`${url}/assets/app.js`);
      assert.equal(asset.headers.get('content-type'), 'text/javascript; charset=utf-8');
      assert.equal(await asset.text(), 'export {};');
      for (const other of ['/assets/notes.txt', '/assets/../index.html', '/webhooks/new/x', '/index.html']) {
        const response = await fetch(`${url}${other}`);
        assert.equal(await response.text(), 'fell through', other);
      }
      const head = await fetch(`${url}/`, { method: 'HEAD' });
      assert.equal(head.status, 200);
      const put = await fetch(`${url}/assets/app.js`, { method: 'PUT' });
      assert.equal(put.status, 405);
    } finally {
      server.close();
    }
  });

  it('serves the API reference at /docs with the hashes its build lists, and refuses a list that would allow more', async function () {
    const hash = `'sha256-${'A'.repeat(43)}='`;
    writeFileSync(path.join(directory, 'docs.html'), '<div id="api-reference"></div>');
    writeFileSync(path.join(directory, 'docs-csp.json'), JSON.stringify({ styleHashes: [hash] }));
    mkdirSync(path.join(directory, 'assets', 'docs'), { recursive: true });
    writeFileSync(path.join(directory, 'assets', 'docs', 'chunk-1.js'), 'export {};');
    const { url, server } = await serve({ directory, temporalUiUrl: '', temporalNamespace: 'default', frameAncestors: [] });
    try {
      const page = await fetch(`${url}/docs`);
      assert.equal(await page.text(), '<div id="api-reference"></div>');
      assert.match(page.headers.get('content-security-policy') ?? '', new RegExp(`; style-src-elem 'self' ${hash.replace(/[+/]/g, '\\$&')}; style-src-attr 'unsafe-inline'$`));
      assert.doesNotMatch((await fetch(`${url}/`)).headers.get('content-security-policy') ?? '', /style-src-elem|sha256/);
      assert.equal((await fetch(`${url}/assets/docs/chunk-1.js`)).headers.get('content-type'), 'text/javascript; charset=utf-8');
    } finally {
      server.close();
    }
    writeFileSync(path.join(directory, 'docs-csp.json'), JSON.stringify({ styleHashes: ["'unsafe-inline'"] }));
    assert.throws(() => dashboardPages({ directory, temporalUiUrl: '', temporalNamespace: 'default', frameAncestors: [] }), /docs-csp\.json: styleHashes/);
  });

  it('says the dashboard is not built (503) when the build output is missing', async function () {
    const { url, server } = await serve({ directory: path.join(directory, 'missing'), temporalUiUrl: '', temporalNamespace: 'default', frameAncestors: [] });
    try {
      assert.equal((await fetch(`${url}/docs`)).status, 503);
      const response = await fetch(`${url}/`);
      assert.equal(response.status, 503);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'dashboard_not_built');
      assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    } finally {
      server.close();
    }
  });

  it('takes the Temporal UI base and framing origins from the environment', function () {
    assert.equal(loadConfig({}).temporalUiUrl, 'http://localhost:8233');
    assert.equal(loadConfig({ CONTINUUM_DEV_TEMPORAL_PORT: '7300' }).temporalUiUrl, 'http://localhost:8300');
    assert.equal(loadConfig({ CONTINUUM_TEMPORAL_UI_URL: 'https://temporal.example.com/' }).temporalUiUrl, 'https://temporal.example.com');
    assert.throws(() => loadConfig({ CONTINUUM_TEMPORAL_UI_URL: 'javascript:alert(1)' }), /CONTINUUM_TEMPORAL_UI_URL/);
    assert.deepEqual(loadConfig({ CONTINUUM_DASHBOARD_FRAME_ANCESTORS: 'https://a.example, https://b.example:8443' }).dashboardFrameAncestors,
      ['https://a.example', 'https://b.example:8443']);
    assert.throws(() => loadConfig({ CONTINUUM_DASHBOARD_FRAME_ANCESTORS: "https://a.example 'unsafe-inline'" }), /CONTINUUM_DASHBOARD_FRAME_ANCESTORS/);
    assert.deepEqual(loadConfig({}).dashboardFrameAncestors, []);
  });
});
