import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Context, Next } from 'koa';
import { AppError, MethodNotAllowedError } from '../errors';
import { SUBSCRIBABLE_EVENT_TYPES } from '../events/catalogue';

/** What the dashboard needs from the server, written into its page (nothing secret). */
export interface DashboardOptions {
  temporalUiUrl: string;
  temporalNamespace: string;
  /** Origins that may frame the dashboard (CSP frame-ancestors); empty: none. */
  frameAncestors: string[];
  /** Where the build put the bundle; dist/public by default. */
  directory?: string;
}

/** The bundle `npm run build` writes (dashboard/build.mjs), relative to dist/src/api. */
const DEFAULT_DIRECTORY = path.resolve(__dirname, '../../public');

/** The API reference page (Scalar, dashboard/docs.html): its own page, not one the router draws. */
const REFERENCE_ROUTE = /^\/docs\/?$/;

/** Paths the dashboard's router draws; anything else is not a page (404 as before). */
const PAGE_ROUTES = [
  /^\/$/,
  /^\/webhooks\/?$/,
  /^\/webhooks\/new$/,
  /^\/event-types\/?$/,
  /^\/webhooks\/wh_[0-9a-z]{26}(\/edit)?$/,
  /^\/webhooks\/wh_[0-9a-z]{26}\/deliveries\/del_[0-9a-z]{26}$/,
];

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface Asset {
  body: Buffer;
  type: string;
}

class DashboardNotBuiltError extends AppError {
  constructor() {
    super(503, 'dashboard_not_built', 'the dashboard has not been built: run npm run build');
  }
}

/** The policy every page and asset is served with: our own scripts, styles and API only. */
function contentSecurityPolicy(frameAncestors: string[], extraDirectives: string[] = []): string {
  return [
    "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
    "base-uri 'none'", "form-action 'self'", `frame-ancestors ${frameAncestors.length ? frameAncestors.join(' ') : "'none'"}`,
    ...extraDirectives,
  ].join('; ');
}

/**
 * What the API reference page needs beyond that, and no more. Scalar renders its theme as one
 * inline <style> element: allowed by the hash of that exact text, which its build lists in
 * docs-csp.json. Its code samples carry style attributes in the markup it writes
 * (`--line-count: 12`, one value per sample), as does its scrollbar probe, so attributes are
 * allowed: they style only their own element and can load nothing (default-src 'none', img-src and
 * connect-src stay as they are). Browsers without these two directives fall back to style-src
 * 'self' and show the page unstyled.
 */
function referenceDirectives(styleHashes: string[]): string[] {
  return [`style-src-elem 'self' ${styleHashes.join(' ')}`, "style-src-attr 'unsafe-inline'"];
}

/** The page with its configuration as a JSON data block (`<` escaped, so it can't end the block). */
function renderIndex(template: string, options: DashboardOptions): string {
  const config = JSON.stringify({
    event_types: SUBSCRIBABLE_EVENT_TYPES, temporal_ui_url: options.temporalUiUrl, temporal_namespace: options.temporalNamespace,
  }).replace(/</g, '\\u003c');
  return template.replace('__DASHBOARD_CONFIG__', () => config);
}

/** Every file under assets/ with a known type, subfolders included (the reference's are in assets/docs/). */
function loadAssets(directory: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const assetDir = path.join(directory, 'assets');
  if (!existsSync(assetDir)) return assets;
  for (const name of readdirSync(assetDir, { recursive: true, encoding: 'utf8' })) {
    const type = CONTENT_TYPES[path.extname(name)];
    if (type) assets.set(`/assets/${name.split(path.sep).join('/')}`, { body: readFileSync(path.join(assetDir, name)), type });
  }
  return assets;
}

const STYLE_HASH = /^'sha256-[A-Za-z0-9+/]{43}='$/;

/** The API reference page and its policy, or null when the build has not made it. */
function loadReferencePage(directory: string, frameAncestors: string[]): { html: string; csp: string } | null {
  const pageFile = path.join(directory, 'docs.html');
  const cspFile = path.join(directory, 'docs-csp.json');
  if (!existsSync(pageFile) || !existsSync(cspFile)) return null;
  const { styleHashes } = JSON.parse(readFileSync(cspFile, 'utf8')) as { styleHashes: unknown };
  if (!Array.isArray(styleHashes) || !styleHashes.every((hash) => typeof hash === 'string' && STYLE_HASH.test(hash))) {
    throw new Error(`${cspFile}: styleHashes must be a list of 'sha256-…' sources; rebuild with npm run build`);
  }
  return { html: readFileSync(pageFile, 'utf8'), csp: contentSecurityPolicy(frameAncestors, referenceDirectives(styleHashes)) };
}

/**
 * Serves the dashboard at `/`: its page for every route the page draws (the page routes
 * itself), the API reference at /docs, its built assets under /assets/, and nothing else
 * (other paths fall through to 404).
 * Files are read once at start; they change only with a new build.
 */
export function dashboardPages(options: DashboardOptions) {
  const directory = options.directory ?? DEFAULT_DIRECTORY;
  const indexFile = path.join(directory, 'index.html');
  const index = existsSync(indexFile) ? renderIndex(readFileSync(indexFile, 'utf8'), options) : null;
  const assets = loadAssets(directory);
  const csp = contentSecurityPolicy(options.frameAncestors);
  const reference = loadReferencePage(directory, options.frameAncestors);

  return async (ctx: Context, next: Next): Promise<void> => {
    const asset = assets.get(ctx.path);
    const isReference = !asset && REFERENCE_ROUTE.test(ctx.path);
    const isPage = !asset && !isReference && PAGE_ROUTES.some((route) => route.test(ctx.path));
    if (!asset && !isPage && !isReference) return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') throw new MethodNotAllowedError(ctx.method, ['GET', 'HEAD']);
    ctx.set('Content-Security-Policy', isReference && reference ? reference.csp : csp);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    if (asset) {
      ctx.set('Cache-Control', 'no-cache');
      ctx.type = asset.type;
      ctx.body = asset.body;
      return;
    }
    const html = isReference ? reference?.html : index;
    if (!html) throw new DashboardNotBuiltError();
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = html;
  };
}
