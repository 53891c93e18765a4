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
function contentSecurityPolicy(frameAncestors: string[]): string {
  return [
    "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
    "base-uri 'none'", "form-action 'self'", `frame-ancestors ${frameAncestors.length ? frameAncestors.join(' ') : "'none'"}`,
  ].join('; ');
}

/** The page with its configuration as a JSON data block (`<` escaped, so it can't end the block). */
function renderIndex(template: string, options: DashboardOptions): string {
  const config = JSON.stringify({
    event_types: SUBSCRIBABLE_EVENT_TYPES, temporal_ui_url: options.temporalUiUrl, temporal_namespace: options.temporalNamespace,
  }).replace(/</g, '\\u003c');
  return template.replace('__DASHBOARD_CONFIG__', () => config);
}

function loadAssets(directory: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const assetDir = path.join(directory, 'assets');
  if (!existsSync(assetDir)) return assets;
  for (const name of readdirSync(assetDir)) {
    const type = CONTENT_TYPES[path.extname(name)];
    if (type) assets.set(`/assets/${name}`, { body: readFileSync(path.join(assetDir, name)), type });
  }
  return assets;
}

/**
 * Serves the dashboard at `/`: its page for every route the page draws (the page routes
 * itself), its built assets under /assets/, and nothing else (other paths fall through to 404).
 * Files are read once at start; they change only with a new build.
 */
export function dashboardPages(options: DashboardOptions) {
  const directory = options.directory ?? DEFAULT_DIRECTORY;
  const indexFile = path.join(directory, 'index.html');
  const index = existsSync(indexFile) ? renderIndex(readFileSync(indexFile, 'utf8'), options) : null;
  const assets = loadAssets(directory);
  const csp = contentSecurityPolicy(options.frameAncestors);

  return async (ctx: Context, next: Next): Promise<void> => {
    const asset = assets.get(ctx.path);
    const isPage = !asset && PAGE_ROUTES.some((route) => route.test(ctx.path));
    if (!asset && !isPage) return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') throw new MethodNotAllowedError(ctx.method, ['GET', 'HEAD']);
    ctx.set('Content-Security-Policy', csp);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    if (asset) {
      ctx.set('Cache-Control', 'no-cache');
      ctx.type = asset.type;
      ctx.body = asset.body;
      return;
    }
    if (index === null) throw new DashboardNotBuiltError();
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = index;
  };
}
