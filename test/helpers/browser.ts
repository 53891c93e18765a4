import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium package (`apt-get install chromium`; .ci/run installs it when missing). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// Headless, and quiet: nothing leaves the machine (no updates, sync, QUIC or background fetches).
const FLAGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run',
  '--disable-component-update', '--disable-sync',
];

/**
 * Where screenshots are written: the dashboard page's (docs/screenshots) with UPDATE_SCREENSHOTS=1, else
 * a temporary folder, so a test run leaves the working tree as it found it.
 */
export const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1'
  ? path.resolve(__dirname, '../../../docs/screenshots')
  : path.join(os.tmpdir(), 'continuum-screenshots');

export interface BrowserContextHandle {
  browser: Browser;
  /** A fresh context (its own storage) and page; console errors and CSP violations are collected. */
  open(viewport?: { width: number; height: number }): Promise<{ context: BrowserContext; page: Page; problems: string[] }>;
}

/** Mocha hooks: one headless Chromium for the file, closed after it. */
export function useBrowser(): BrowserContextHandle {
  const handle = { contexts: [] as BrowserContext[] } as unknown as BrowserContextHandle & { contexts: BrowserContext[] };
  before(async function () {
    if (!existsSync(CHROMIUM_PATH)) throw new Error(`no Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    handle.browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: FLAGS });
  });
  afterEach(async function () {
    for (const context of handle.contexts.splice(0)) await context.close();
  });
  after(async function () {
    await handle.browser?.close();
  });
  handle.open = async (viewport = { width: 1280, height: 900 }) => {
    const context = await handle.browser.newContext({ viewport });
    handle.contexts.push(context);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (message) => {
      // 401/403/404 answers the tests provoke on purpose are logged by Chromium as failed loads.
      if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) problems.push(`console: ${message.text()}`);
    });
    return { context, page, problems };
  };
  return handle;
}

/** Signs the page in with an API key through the form, by keyboard. */
export async function signInWithKey(page: Page, baseUrl: string, apiKey: string): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('API key').fill(apiKey);
  await page.getByLabel('API key').press('Enter');
  await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
}

/** Everything the browser keeps for this page's origin. */
export async function browserStorage(page: Page, context: BrowserContext) {
  // Evaluated in the page (the tests' own TypeScript has no DOM types).
  const storage = await page.evaluate('({ local: { ...localStorage }, session: { ...sessionStorage } })') as {
    local: Record<string, string>; session: Record<string, string>;
  };
  return { ...storage, cookies: await context.cookies() };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, name), fullPage: true });
}

/** The page fits its viewport's width: nothing needs scrolling sideways. */
export async function assertNoHorizontalScroll(page: Page): Promise<void> {
  const { scroll, client } = await page.evaluate('({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })') as {
    scroll: number; client: number;
  };
  assert.ok(scroll <= client, `page is ${scroll} px wide in a ${client} px viewport`);
}

/**
 * Keeps a context's traffic on one origin: any request elsewhere is refused before it leaves the
 * machine and listed in `foreign`; answers of 400 and above are listed in `failed` (Chromium logs
 * those as "Failed to load resource", which `open` does not count as a problem).
 */
export async function keepToOrigin(context: BrowserContext, origin: string): Promise<{ foreign: string[]; failed: string[] }> {
  const traffic = { foreign: [] as string[], failed: [] as string[] };
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    traffic.foreign.push(url);
    return route.abort('blockedbyclient');
  });
  context.on('response', (response) => {
    if (response.status() >= 400) traffic.failed.push(`${response.status()} ${response.url()}`);
  });
  return traffic;
}

/**
 * Lists the page's Content-Security-Policy violations as the page itself sees them: some (a
 * refused eval caught by the code that tried it) never reach the console.
 */
export async function collectCspViolations(page: Page): Promise<() => Promise<string[]>> {
  await page.addInitScript(`window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(
      e.effectiveDirective + ' refused ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber + ':' + e.columnNumber));`);
  return async () => await page.evaluate('window.__cspViolations') as string[];
}
